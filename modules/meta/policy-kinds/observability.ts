import { z } from 'zod';
import type { Logger } from '../../../common/logger';
import type { PolicyKind } from '../policies';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

/** What of a function's stdout/stderr is kept in its log (`GET /v1/functions/{name}/logs`): all of it, stderr only, or nothing. */
export const CAPTURE_LEVELS = ['all', 'stderr', 'none'] as const;

const functionSettings = z.object({
  capture: z.enum(CAPTURE_LEVELS).optional(),
  metrics: z.boolean().optional(),
}).strict();

/**
 * The observability policy, applied within one poll of the change feed on every process:
 * - `logLevel`: the log level of every PyFaaS process (api, worker, bridge, on every node);
 *   left out, each process keeps the level it was started with (PYFAAS_LOG_LEVEL).
 * - `functionLogs`: what of functions' output is kept in the function logs, and for how long.
 * - `metrics`: whether functions' invocations are recorded in the Prometheus metrics.
 * - `functions`: per function name, `capture` and `metrics` overriding the platform's.
 * The captured stdout/stderr limit per invocation is fixed in the runtime shims.
 */
export const observabilityPolicySchema = z.object({
  logLevel: z.enum(LOG_LEVELS).optional(),
  functionLogs: z.object({
    capture: z.enum(CAPTURE_LEVELS).default('all'),
    retentionHours: z.number().int().min(1).max(24 * 90).default(72),
  }).strict().default({}),
  metrics: z.object({
    enabled: z.boolean().default(true),
  }).strict().default({}),
  functions: z.record(z.string().regex(/^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a function name'), functionSettings)
    .refine((value) => Object.keys(value).length <= 1000, 'at most 1000 functions').default({}),
}).strict();

export type ObservabilityPolicy = z.infer<typeof observabilityPolicySchema>;

/** The capture level and metrics switch in force for one function. */
export function functionObservability(policy: ObservabilityPolicy, functionName: string): { capture: (typeof CAPTURE_LEVELS)[number]; metrics: boolean } {
  const own = policy.functions[functionName];
  return { capture: own?.capture ?? policy.functionLogs.capture, metrics: own?.metrics ?? policy.metrics.enabled };
}

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
