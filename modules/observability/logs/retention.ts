import { startPeriodicSweep, type PeriodicSweep } from '../../../common/periodic-sweep';
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

/** `sweepNow` answers the lines removed (undefined when the sweep failed: it is logged, never thrown). */
export type LogRetention = PeriodicSweep<number>;

/**
 * Deletes function log lines older than the policy's retention, on a timer, from the api
 * role (one role, so nodes running only workers or bridges do not repeat it; several api
 * processes sweeping is harmless). The first sweep runs at once; sweeps never overlap. A
 * function's lines also go when it is deleted (FunctionService.remove).
 */
export function startLogRetention(options: LogRetentionOptions): LogRetention {
  return startPeriodicSweep({
    intervalMs: options.intervalMs ?? 5 * 60_000,
    logger: options.logger,
    failure: 'the function log sweep failed; it runs again at the next interval',
    async sweep() {
      const hours = await options.retentionHours();
      const removed = await options.logs.deleteBefore(new Date(Date.now() - hours * 3_600_000));
      if (removed > 0) options.logger.info({ removed, retentionHours: hours }, 'removed expired function log lines');
      return removed;
    },
  });
}
