import { readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { workflowBundlePath } from '../../process/worker';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'histories');

/**
 * Histories recorded by earlier builds must replay on this one: an upgrade restarts the
 * workers while invocations are open (an async one can wait out retry backoffs).
 *
 * invoke-before-fast-path.json: an async invocation whose first attempt failed and whose
 * retry succeeded, run by the workflows of commit 1e1c537~1 (before the fast path: its input
 * has no `generation`) on the real dev server with stub activities, exported with
 * `temporal workflow show --output json`.
 */
describe('replaying histories of earlier builds', () => {
  it('replays an invocation started before the fast path, placed as it was then', async () => {
    const history = historyFromJSON(JSON.parse(readFileSync(path.join(FIXTURES, 'invoke-before-fast-path.json'), 'utf8')));
    await expect(Worker.runReplayHistory({ workflowBundle: { codePath: workflowBundlePath() } }, history)).resolves.toBeUndefined();
  });
});
