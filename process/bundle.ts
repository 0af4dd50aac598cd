import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowBundlePath } from './worker';

/** Bundles `workflows/` once at build time, so workers start without webpack. */
export async function writeWorkflowBundle(): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve(path.resolve(__dirname, '..', 'workflows')),
    logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} },
  });
  const target = workflowBundlePath();
  writeFileSync(target, code);
  return target;
}
