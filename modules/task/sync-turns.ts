import pLimit from 'p-limit';
import { OverloadedError } from './errors';

export interface SyncTurnLimits {
  /** Sync invocations started at once: the worker's workflow task slots, one per eager start. */
  inFlight: number;
  /** How many may wait for a turn; one more is refused with 503 OVERLOADED. */
  queueLimit: number;
  /** A turn ends when the invocation answers or after this long, whichever comes first (default 10 s). */
  turnMs?: number;
}

const TURN_MS = 10_000;

/**
 * Sync invocations take turns, first come first served, as many at once as the worker here
 * has workflow task slots. An eager start needs a free slot; without one the workflow task
 * waits in Temporal's task queue, where later eager starts keep overtaking it: at 200
 * concurrent callers on two cores the slowest then waited 15 s while the median waited 1 s
 * (`npm run bench`). Waiting here keeps the order and the tail near the median. A turn lasts
 * at most `turnMs`: a slow function (placed, or holding its slot for long) then goes on
 * without holding back the callers behind it, so the turns never cap concurrency.
 */
export class SyncTurns {
  private readonly limit: ReturnType<typeof pLimit>;

  constructor(private readonly limits: SyncTurnLimits) {
    this.limit = pLimit(limits.inFlight);
  }

  /** Runs `invocation` in its turn and answers what it answers; OverloadedError at once when the queue is full. */
  run<T>(invocation: () => Promise<T>): Promise<T> {
    if (this.waiting >= this.limits.queueLimit) {
      return Promise.reject(new OverloadedError(`${this.waiting} sync invocations already wait for a turn on this process; retry shortly or invoke asynchronously (?async=true).`, { retryAfterSeconds: 1 }));
    }
    return new Promise<T>((resolve, reject) => {
      void this.limit(async () => {
        const running = invocation();
        running.then(resolve, reject);
        let timer: NodeJS.Timeout | undefined;
        const turnOver = new Promise<void>((end) => (timer = setTimeout(end, this.limits.turnMs ?? TURN_MS)));
        await Promise.race([running.then(() => undefined, () => undefined), turnOver]);
        clearTimeout(timer);
      });
    });
  }

  /** Callers waiting for a turn (p-limit counts a caller as pending until its turn's microtask runs). */
  get waiting(): number {
    return Math.max(0, this.limit.activeCount + this.limit.pendingCount - this.limits.inFlight);
  }
}
