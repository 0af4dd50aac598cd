import { z } from 'zod';
import type { Logger } from '../../../common/logger';
import type { PolicyKind } from '../policies';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

/**
 * The observability policy: the log level of every PyFaaS process (api, worker, bridge, on
 * every node), applied within one poll of the change feed. Left out, each process keeps the
 * level it was started with (PYFAAS_LOG_LEVEL). Functions' own captured stdout/stderr limit
 * is fixed in the runtime shims and not set here.
 */
export const observabilityPolicySchema = z.object({
  logLevel: z.enum(LOG_LEVELS).optional(),
}).strict();

export type ObservabilityPolicy = z.infer<typeof observabilityPolicySchema>;

export const OBSERVABILITY_POLICY: PolicyKind<ObservabilityPolicy> = { kind: 'observability', topic: 'policies', schema: observabilityPolicySchema };

/**
 * Returns the listener that applies the policy to `logger`: pino children made without a
 * level of their own (request loggers, the bridge's) read the parent's level, so they follow.
 * Without a logLevel the level the process started with comes back.
 */
export function logLevelApplier(logger: Logger): (policy: ObservabilityPolicy) => void {
  const started = logger.level;
  return (policy) => {
    const level = policy.logLevel ?? started;
    if (logger.level === level) return;
    logger.level = level;
    // Said at warn so it is seen when a quieter level is chosen too.
    logger.warn({ logLevel: level }, 'observability policy: log level in force');
  };
}
