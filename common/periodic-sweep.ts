import type { Logger } from './logger';

export interface PeriodicSweep<T> {
  /** Sweeps now (also what the timer runs); never throws: a failure is logged and answers undefined. */
  sweepNow(): Promise<T | undefined>;
  /** Stops the timer and waits for a sweep in progress. */
  stop(): Promise<void>;
}

/**
 * Runs `sweep` at once and then every `intervalMs`: sweeps never overlap (a call during one
 * gets that one), a failure is logged at warn with `failure` and the next interval tries
 * again, and the timer does not keep the process alive. For retention of stored data.
 */
export function startPeriodicSweep<T>(options: { sweep: () => Promise<T>; intervalMs: number; logger: Logger; failure: string }): PeriodicSweep<T> {
  let running: Promise<T | undefined> | undefined;
  let stopped = false;
  const sweepNow = () => {
    running ??= options
      .sweep()
      .catch((err: unknown) => {
        options.logger.warn({ err }, options.failure);
        return undefined;
      })
      .finally(() => (running = undefined));
    return running;
  };
  const timer = setInterval(() => void sweepNow(), options.intervalMs);
  timer.unref();
  void sweepNow();
  return {
    sweepNow: () => (stopped ? Promise.resolve(undefined) : sweepNow()),
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
