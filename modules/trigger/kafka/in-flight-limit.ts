/**
 * At most `limit` record starts in flight for one trigger, shared by all its partitions.
 * A caller that finds it full waits here, and so holds its batch: that is the bridge's
 * back-pressure (kafkajs fetches no more for a partition while its batch is being handled).
 */
export class InFlightLimit {
  private active = 0;
  private waiters = new Set<() => void>();

  constructor(private limit: number) {}

  get inFlight(): number {
    return this.active;
  }

  /** A trigger update may change the limit while records are in flight. */
  setLimit(limit: number): void {
    this.limit = limit;
    this.wakeAll();
  }

  /**
   * Takes a slot. While full, calls `whileWaiting` every `pollMs` (to heartbeat) and gives up,
   * answering false, once `keepWaiting()` is false; answers true when a slot was taken.
   */
  async acquire(keepWaiting: () => boolean, whileWaiting: () => void = () => undefined, pollMs = 1000): Promise<boolean> {
    while (this.active >= this.limit) {
      if (!keepWaiting()) return false;
      whileWaiting();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, pollMs);
        const waiters = this.waiters;
        function done() {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        }
        waiters.add(done);
      });
    }
    this.active += 1;
    return true;
  }

  release(): void {
    this.active = Math.max(0, this.active - 1);
    this.wakeAll();
  }

  private wakeAll(): void {
    // Every waiter re-checks; there are only as many as partitions handled at once.
    for (const wake of [...this.waiters]) wake();
  }
}
