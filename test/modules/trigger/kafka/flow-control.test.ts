import { InFlightLimit } from '../../../../modules/trigger/kafka/in-flight-limit';
import { PartitionProgress } from '../../../../modules/trigger/kafka/partition-progress';
import { GaveUpError, retryUntilDone } from '../../../../modules/trigger/kafka/retry';

describe('PartitionProgress', () => {
  it('commits only up to the highest offset below which every record is acknowledged', () => {
    const progress = new PartitionProgress(['10', '11', '13', '14']);
    expect(progress.nextOffset()).toBeUndefined();
    expect(progress.ack(2)).toBeUndefined(); // 13 answered first: 10 and 11 still open
    expect(progress.nextOffset()).toBeUndefined();
    expect(progress.ack(0)).toBe('10');
    expect(progress.nextOffset()).toBe('11');
    expect(progress.ack(1)).toBe('13'); // 11 closes the gap up to 13 (12 was compacted away)
    expect(progress.nextOffset()).toBe('14');
    expect(progress.complete).toBe(false);
    expect(progress.ack(3)).toBe('14');
    expect(progress.complete).toBe(true);
    expect(progress.nextOffset()).toBe('15');
  });

  it('handles offsets beyond 2^53', () => {
    const progress = new PartitionProgress(['9007199254740993']);
    progress.ack(0);
    expect(progress.nextOffset()).toBe('9007199254740994');
  });
});

describe('InFlightLimit', () => {
  it('lets `limit` callers through, holds the next until a release, and gives up when told to', async () => {
    const limit = new InFlightLimit(2);
    expect(await limit.acquire(() => true)).toBe(true);
    expect(await limit.acquire(() => true)).toBe(true);
    expect(limit.inFlight).toBe(2);
    let third = false;
    const waiting = limit.acquire(() => true, undefined, 5000).then((ok) => (third = ok));
    await new Promise((r) => setTimeout(r, 30));
    expect(third).toBe(false);
    limit.release();
    await waiting;
    expect(third).toBe(true);
    let keepWaiting = true;
    const abandoned = limit.acquire(() => keepWaiting, undefined, 10);
    keepWaiting = false;
    expect(await abandoned).toBe(false);
    expect(limit.inFlight).toBe(2);
  });

  it('wakes waiters when the limit grows', async () => {
    const limit = new InFlightLimit(1);
    await limit.acquire(() => true);
    const waiting = limit.acquire(() => true, undefined, 5000);
    limit.setLimit(2);
    expect(await waiting).toBe(true);
  });
});

describe('retryUntilDone', () => {
  it('retries until the attempt succeeds, and stops with GaveUpError when told to', async () => {
    let calls = 0;
    const errors: number[] = [];
    const answer = await retryUntilDone(
      async () => {
        calls += 1;
        if (calls < 3) throw new Error('unavailable');
        return 'ok';
      },
      { keepGoing: () => true, onError: (_err, attempt) => errors.push(attempt), initialDelayMs: 1 },
    );
    expect(answer).toBe('ok');
    expect(errors).toEqual([1, 2]);

    let going = true;
    const failing = retryUntilDone(async () => Promise.reject(new Error('down')), { keepGoing: () => going, onError: () => (going = false), initialDelayMs: 1 });
    await expect(failing).rejects.toBeInstanceOf(GaveUpError);
  });

  it('rethrows a final error at once', async () => {
    const final = new Error('never');
    await expect(retryUntilDone(async () => Promise.reject(final), { keepGoing: () => true, onError: () => undefined, isFinal: (e) => e === final })).rejects.toBe(final);
  });
});
