import type { EachBatchPayload } from 'kafkajs';
import { silentLogger } from '../../../../common/logger';
import { processBatch, type BatchContext } from '../../../../modules/trigger/kafka/batch-processor';
import { InFlightLimit } from '../../../../modules/trigger/kafka/in-flight-limit';
import { GaveUpError } from '../../../../modules/trigger/kafka/retry';

/** A kafkajs eachBatch payload for one partition, recording resolves and commits. */
function fakeBatch(offsets: string[], options: { heartbeat?: () => Promise<void> } = {}) {
  const commits: string[] = [];
  const resolved: string[] = [];
  const payload = {
    batch: {
      topic: 't', partition: 0, highWatermark: '100',
      messages: offsets.map((offset) => ({ offset, key: null, value: Buffer.from('{}'), timestamp: '0', attributes: 0, headers: {} })),
      isEmpty: () => offsets.length === 0, firstOffset: () => offsets[0], lastOffset: () => offsets[offsets.length - 1],
      offsetLag: () => '0', offsetLagLow: () => '0',
    },
    resolveOffset: (offset: string) => resolved.push(offset),
    heartbeat: options.heartbeat ?? (async () => undefined),
    pause: jest.fn(() => () => undefined),
    commitOffsetsIfNecessary: async (o: { topics: Array<{ partitions: Array<{ offset: string }> }> }) => void commits.push(o.topics[0].partitions[0].offset),
    uncommittedOffsets: () => ({ topics: [] }),
    isRunning: () => true,
    isStale: () => false,
  } as unknown as EachBatchPayload;
  return { payload, commits, resolved };
}

/** Deliveries the test answers one by one, in any order. */
function controlledDeliveries() {
  const open = new Map<string, { resolve: () => void; reject: (err: unknown) => void }>();
  let maxOpen = 0;
  const deliver: BatchContext['deliver'] = (record) =>
    new Promise<void>((resolve, reject) => {
      open.set(record.offset, { resolve, reject });
      maxOpen = Math.max(maxOpen, open.size);
    });
  const settle = async (offset: string, err?: unknown) => {
    await until(() => open.has(offset));
    const entry = open.get(offset)!;
    open.delete(offset);
    if (err) entry.reject(err);
    else entry.resolve();
  };
  return { deliver, settle, open, maxOpen: () => maxOpen };
}

function context(overrides: Partial<BatchContext>): BatchContext {
  return {
    triggerId: 't', limit: new InFlightLimit(2), deliver: async () => undefined, accepting: () => true,
    onCommitted: () => undefined, onError: () => undefined, logger: silentLogger(), commitIntervalMs: 0, ...overrides,
  };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i += 1) await new Promise((r) => setTimeout(r, 2));
  if (!condition()) throw new Error('condition never held');
}

describe('processBatch', () => {
  it('keeps at most maxInFlight starts open and commits only past contiguously acknowledged records', async () => {
    const control = controlledDeliveries();
    const { payload, commits, resolved } = fakeBatch(['10', '11', '12', '13', '14']);
    const done = processBatch(payload, context({ deliver: control.deliver }));
    await control.settle('11'); // out of order: nothing may be committed yet
    await control.settle('12');
    await new Promise((r) => setTimeout(r, 20));
    expect(commits).toEqual([]);
    await control.settle('10'); // 10, 11, 12 acknowledged: commit 13
    await until(() => commits.includes('13'));
    await control.settle('13');
    await control.settle('14');
    await done;
    expect(control.maxOpen()).toBe(2);
    expect(commits.at(-1)).toBe('15');
    expect(commits.map(Number)).toEqual([...commits.map(Number)].sort((a, b) => a - b));
    expect(resolved.at(-1)).toBe('14');
  });

  it('never commits past a record whose start gave up, nor resolves it', async () => {
    const control = controlledDeliveries();
    const { payload, commits, resolved } = fakeBatch(['0', '1', '2']);
    const done = processBatch(payload, context({ deliver: control.deliver, limit: new InFlightLimit(3) }));
    await control.settle('0');
    await control.settle('1', new GaveUpError(new Error('stopping')));
    await control.settle('2');
    await done;
    expect(commits.at(-1)).toBe('1');
    expect(resolved).toEqual(['0']);
  });

  it('stops launching when a heartbeat fails, lets open starts answer, commits them, then throws the heartbeat error', async () => {
    const control = controlledDeliveries();
    const rebalance = new Error('rebalancing');
    let failHeartbeat = false;
    const { payload, commits } = fakeBatch(['0', '1', '2', '3', '4'], { heartbeat: async () => { if (failHeartbeat) throw rebalance; } });
    const done = processBatch(payload, context({ deliver: control.deliver }));
    failHeartbeat = true;
    await new Promise((r) => setTimeout(r, 1200)); // the processor heartbeats every second
    await control.settle('0');
    await control.settle('1');
    await expect(done).rejects.toBe(rebalance);
    expect(commits.at(-1)).toBe('2');
    expect(control.open.size).toBe(0);
  });

  it('pauses the partition and starts nothing while the trigger is paused', async () => {
    const deliver = jest.fn(async () => undefined);
    const { payload, commits } = fakeBatch(['0', '1']);
    await processBatch(payload, context({ deliver, accepting: () => false }));
    expect(deliver).not.toHaveBeenCalled();
    expect(payload.pause).toHaveBeenCalled();
    expect(commits).toEqual([]);
  });
});
