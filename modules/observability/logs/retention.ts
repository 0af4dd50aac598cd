import type { Logger } from '../../../common/logger';
import type { FunctionLogStore } from './store';

export interface LogRetentionOptions {
  logs: Pick<FunctionLogStore, 'deleteBefore'>;
  /** `functionLogs.retentionHours` of the observability policy in force, read at each sweep. */
  retentionHours(): Promise<number>;
  logger: Logger;
  /** How often to sweep (default 5 minutes: the shortest retention is an hour). */
  intervalMs?: number;
}

export interface LogRetention {
  /** Sweeps now (also what the timer runs); never throws, logs a failure instead; answers the lines removed. */
  sweepNow(): Promise<number | undefined>;
  /** Stops the timer and waits for a sweep in progress. */
  stop(): Promise<void>;
}

/**
 * Deletes function log lines older than the policy's retention, on a timer, from the api
 * role (one role, so nodes running only workers or bridges do not repeat it; several api
 * processes sweeping is harmless). The first sweep runs at once; sweeps never overlap; the
 * timer does not keep the process alive. A function's lines also go when it is deleted
 * (FunctionService.remove).
 */
export function startLogRetention(options: LogRetentionOptions): LogRetention {
  let running: Promise<number | undefined> | undefined;
  let stopped = false;
  const sweepNow = () => {
    running ??= options
      .retentionHours()
      .then(async (hours) => {
        const removed = await options.logs.deleteBefore(new Date(Date.now() - hours * 3_600_000));
        if (removed > 0) options.logger.info({ removed, retentionHours: hours }, 'removed expired function log lines');
        return removed;
      })
      .catch((err: unknown) => {
        options.logger.warn({ err }, 'the function log sweep failed; it runs again at the next interval');
        return undefined;
      })
      .finally(() => (running = undefined));
    return running;
  };
  const timer = setInterval(() => void sweepNow(), options.intervalMs ?? 5 * 60_000);
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
