import { startPeriodicSweep, type PeriodicSweep } from '../../common/periodic-sweep';
import type { Logger } from '../../common/logger';
import type { PayloadStore } from './payloads';

/** Like Temporal's dev-server namespace retention: a day. */
export const DEFAULT_PAYLOAD_RETENTION_MS = 24 * 60 * 60_000;

export interface PayloadRetentionOptions {
  store: Pick<PayloadStore, 'sweep'>;
  logger: Logger;
  /** Payloads unwritten for this long are removed. Default DEFAULT_PAYLOAD_RETENTION_MS. */
  retentionMs?: number;
  /** How often to sweep. Default a twenty-fourth of the retention (an hour for a day), at least a second. */
  intervalMs?: number;
}

/** `sweepNow` never throws, logs a failure instead; `stop` stops the timer and waits for a sweep in progress. */
export type PayloadRetention = PeriodicSweep<{ removed: number; kept: number }>;

/**
 * Removes the payloads of ended invocations once they are older than the retention, on a
 * timer, from the process that owns the data dir. The first sweep runs at once, so a
 * store left for days is cleaned at start. Sweeps never overlap; the timer does not keep
 * the process alive.
 */
export function startPayloadRetention(options: PayloadRetentionOptions): PayloadRetention {
  const retentionMs = options.retentionMs ?? DEFAULT_PAYLOAD_RETENTION_MS;
  if (!(retentionMs > 0)) throw new RangeError(`The payload retention must be a positive number of milliseconds, not ${retentionMs}.`);
  return startPeriodicSweep({
    intervalMs: options.intervalMs ?? Math.max(1000, Math.floor(retentionMs / 24)),
    logger: options.logger,
    failure: 'the payload sweep failed; it runs again at the next interval',
    async sweep() {
      const result = await options.store.sweep(retentionMs);
      if (result.removed > 0) options.logger.info({ ...result, retentionMs }, 'removed expired payloads');
      return result;
    },
  });
}
