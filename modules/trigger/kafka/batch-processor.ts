import type { EachBatchPayload } from 'kafkajs';
import type { Logger } from '../../../common/logger';
import type { InFlightLimit } from './in-flight-limit';
import { PartitionProgress } from './partition-progress';
import type { ConsumedRecord } from './record-event';
import { GaveUpError, errorMessage } from './retry';

export interface BatchContext {
  triggerId: string;
  limit: InFlightLimit;
  /** Starts (or dead-letters) one record; resolves once that is acknowledged. */
  deliver: (record: ConsumedRecord, topic: string, partition: number, keepGoing: () => boolean) => Promise<unknown>;
  /** False while the trigger is paused or its consumer is stopping: launch nothing more. */
  accepting: () => boolean;
  onCommitted: (topic: string, partition: number, nextOffset: string) => void;
  onError: (err: unknown) => void;
  logger: Logger;
  commitIntervalMs: number;
}

/**
 * kafkajs's eachBatch for one partition (autoCommit and eachBatchAutoResolve off). Records
 * start concurrently, bounded by the trigger's in-flight limit; an offset is resolved and
 * committed only once it and every earlier record of the batch are acknowledged. The batch
 * returns when every launched start has answered, so kafkajs fetches no further for this
 * partition meanwhile. Records not launched (paused, stopping, revoked) are not resolved:
 * kafkajs fetches them again. Throws a failed heartbeat's error (e.g. a rebalance) after
 * the launched starts settle, so kafkajs rejoins the group.
 */
export async function processBatch(payload: EachBatchPayload, ctx: BatchContext): Promise<void> {
  const { batch } = payload;
  const { topic, partition } = batch;
  if (!ctx.accepting()) {
    // Paused: stop fetching this partition (the trigger's resume undoes it for the topic).
    if (payload.isRunning()) payload.pause();
    return;
  }
  const progress = new PartitionProgress(batch.messages.map((m) => m.offset));
  const committer = new Committer(payload, topic, partition, ctx);
  let heartbeatError: unknown;
  const heartbeat = () => void payload.heartbeat().catch((err) => (heartbeatError ??= err));
  const owned = () => payload.isRunning() && !payload.isStale();
  const launching = () => owned() && ctx.accepting() && heartbeatError === undefined;
  const pending: Promise<void>[] = [];
  // Starts may wait on Temporal for long: keep the group membership alive meanwhile.
  const beat = setInterval(heartbeat, 1000);
  try {
    for (const [index, record] of batch.messages.entries()) {
      if (!launching() || !(await ctx.limit.acquire(launching))) break;
      const acknowledged = ctx.deliver(record, topic, partition, owned).then(
        () => {
          const last = progress.ack(index);
          if (last === undefined) return;
          payload.resolveOffset(last);
          committer.soon(progress.nextOffset()!);
        },
        (err) => {
          if (err instanceof GaveUpError) return;
          // Not acknowledged, so never committed: kafkajs delivers it (and those after) again.
          ctx.onError(err);
          ctx.logger.error({ triggerId: ctx.triggerId, topic, partition, offset: record.offset, error: errorMessage(err) }, 'record not delivered');
        },
      );
      pending.push(acknowledged.finally(() => ctx.limit.release()));
    }
    await Promise.all(pending);
  } finally {
    clearInterval(beat);
  }
  // All done: commit past the batch's last offset (a transaction marker may follow the records).
  const next = progress.complete ? (BigInt(batch.lastOffset()) + 1n).toString() : progress.nextOffset();
  await committer.now(next);
  if (heartbeatError !== undefined) throw heartbeatError;
}

/** Commits one partition's offset at most every `commitIntervalMs`, one commit at a time. */
class Committer {
  private committed?: bigint;
  private wanted?: bigint;
  private lastAt = Date.now();
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    private readonly payload: EachBatchPayload,
    private readonly topic: string,
    private readonly partition: number,
    private readonly ctx: BatchContext,
  ) {}

  soon(nextOffset: string): void {
    this.wanted = BigInt(nextOffset);
    if (Date.now() - this.lastAt >= this.ctx.commitIntervalMs) void this.now();
  }

  async now(nextOffset?: string): Promise<void> {
    if (nextOffset !== undefined) this.wanted = BigInt(nextOffset);
    this.lastAt = Date.now();
    this.inFlight = this.inFlight.then(() => this.commit());
    await this.inFlight;
  }

  private async commit(): Promise<void> {
    const offset = this.wanted;
    if (offset === undefined || (this.committed !== undefined && offset <= this.committed)) return;
    const { topic, partition } = this;
    try {
      await this.payload.commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: offset.toString() }] }] });
      this.committed = offset;
      this.ctx.onCommitted(topic, partition, offset.toString());
      this.ctx.logger.debug({ triggerId: this.ctx.triggerId, topic, partition, offset: offset.toString() }, 'committed');
    } catch (err) {
      // A later commit covers it; if none comes, the records are delivered again and their starts answer 'duplicate'.
      this.ctx.logger.warn({ triggerId: this.ctx.triggerId, topic, partition, offset: offset.toString(), error: errorMessage(err) }, 'offset commit failed');
    }
  }
}
