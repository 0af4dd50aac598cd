import type { Effect } from '../../chaos/internet';
import type { LoadItem } from '../../chaos/load';
import { goalsMet, tallyWindow } from '../../chaos/tally';

const item = (key: string, stream: LoadItem['stream'], fields: Partial<LoadItem> = {}): LoadItem => ({
  key, stream, window: 1, submittedAt: 1000, acceptedAt: 1100, status: stream === 'kafka' ? undefined : 'succeeded', hangs: 0, ...fields,
});
const effect = (key: string, invocationId: string, at = 1200, where: Partial<Effect> = {}): Effect => ({ key, invocationId, at, ...where });

describe('chaos tally', () => {
  it('counts a request run as two invocations as duplicated, and one invocation re-running its effect as a re-run', () => {
    const row = tallyWindow('pyfaas', [item('a', 'async'), item('b', 'sync')], [effect('a', 'inv-1'), effect('a', 'inv-2'), effect('b', 'inv-3'), effect('b', 'inv-3')]);
    expect(row).toMatchObject({ duplicated: 1, reRuns: 1, lost: 0 });
  });

  it('does not blame the platform for a Kafka record the producer wrote twice, but does for one record started twice', () => {
    const resent = tallyWindow('kafka', [item('k', 'kafka')], [effect('k', 'kafka:t:0:1', 1200, { partition: 0, offset: '1' }), effect('k', 'kafka:t:0:2', 1300, { partition: 0, offset: '2' })]);
    expect(resent).toMatchObject({ duplicated: 0, producerResends: 1 });
    const twice = tallyWindow('kafka', [item('k', 'kafka')], [effect('k', 'id-1', 1200, { partition: 0, offset: '1' }), effect('k', 'id-2', 1300, { partition: 0, offset: '1' })]);
    expect(twice.duplicated).toBe(1);
  });

  it('counts as lost what was accepted without an effect, an async run that did not succeed, and what never got through; a failed sync answer is not lost', () => {
    const row = tallyWindow('temporal', [
      item('k', 'kafka'),
      item('a', 'async', { status: 'failed' }),
      item('s', 'sync', { gaveUp: true, acceptedAt: undefined, status: undefined, lastError: 'ECONNREFUSED' }),
      item('f', 'sync', { status: 'failed' }),
      item('h', 'sync', { hangs: 1 }),
    ], [effect('a', 'inv-a'), effect('h', 'inv-h')]);
    expect(row).toMatchObject({ lost: 3, failedAnswers: 1, hanging: 1 });
    expect(row.lostExamples).toEqual(['k: no side effect', 'a: ended failed', 's: never got through (ECONNREFUSED)']);
    expect(goalsMet(row)).toBe(false);
  });

  it('recovers when every stream completed a request sent after the kill, timed by the slowest stream', () => {
    const items = [item('s', 'sync', { submittedAt: 5000, acceptedAt: 6000 }), item('a', 'async', { submittedAt: 5100 }), item('k', 'kafka', { submittedAt: 5200 }), item('old', 'sync', { submittedAt: 100, acceptedAt: 4000 })];
    const kill = { killed: 'kafka (pid 1)', at: 4500 };
    const partial = tallyWindow('kafka', items, [effect('s', 'i1', 5900), effect('a', 'i2', 7000), effect('old', 'i0', 3900)], kill);
    expect(partial.recoveryMs).toBeUndefined();
    expect(goalsMet(partial)).toBe(false);
    const row = tallyWindow('kafka', items, [effect('s', 'i1', 5900), effect('a', 'i2', 7000), effect('k', 'i3', 9000, { partition: 0, offset: '0' }), effect('old', 'i0', 3900)], kill);
    expect(row.recoveryByStream).toEqual({ sync: 1500, async: 2500, kafka: 4500 });
    expect(row.recoveryMs).toBe(4500);
    expect(goalsMet(row)).toBe(true);
  });
});
