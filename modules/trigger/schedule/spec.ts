import { z } from 'zod';
import { InputError } from '../../../common/errors';
import { cronProblems, MAX_CRON_LENGTH } from './cron';
import { durationMs, type DurationInput } from './duration';

export const OVERLAP_POLICIES = ['skip', 'buffer_one', 'buffer_all', 'cancel_other', 'terminate_other', 'allow_all'] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

/** Temporal's own floors: a shorter interval is refused, a shorter catch-up window silently raised. */
export const MIN_INTERVAL_MS = 1_000;
export const MIN_CATCHUP_WINDOW_MS = 10_000;
const MAX_DURATION_MS = 10 * 366 * 86_400_000;

/** The fixed event is stored in the Temporal Schedule itself, so it stays small. */
export const MAX_EVENT_BYTES = 64 * 1024;

const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;

function duration(options: { min: number; wholeSeconds?: boolean }) {
  return z.union([z.string().max(64), z.number()]).superRefine((value: DurationInput, ctx) => {
    const ms = durationMs(value);
    const fail = (message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, message });
    if (ms === undefined) fail('must be a whole number of milliseconds or a duration like 30s, 5m, 1h or 1h30m');
    else if (ms < options.min) fail(`must be at least ${options.min / 1000} s`);
    else if (ms > MAX_DURATION_MS) fail('must be at most 10 years');
    else if (options.wholeSeconds && ms % 1000 !== 0) fail('must be a whole number of seconds (Temporal rounds the rest away)');
  });
}

/**
 * The zone as the Temporal server's tz database spells it: Intl accepts any letter case but
 * the server does not, so `europe/paris` becomes `Europe/Paris`. Undefined when unknown.
 */
export function canonicalTimeZone(name: string): string | undefined {
  if (!IANA_NAME.test(name)) return undefined;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
  if (resolved.toLowerCase() === name.toLowerCase()) return resolved;
  // A link such as US/Pacific resolves to another zone's name; keep the one the user chose,
  // in the case the list of zones spells it when it is there.
  return Intl.supportedValuesOf('timeZone').find((zone) => zone.toLowerCase() === name.toLowerCase()) ?? name;
}

const timeZone = z
  .string()
  .max(64)
  .transform((name, ctx) => {
    const canonical = canonicalTimeZone(name);
    if (canonical === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `unknown time zone ${JSON.stringify(name)}; use an IANA name such as UTC or Europe/Paris` });
      return z.NEVER;
    }
    return canonical;
  });

const fixedEvent = z.unknown().superRefine((event, ctx) => {
  const bytes = Buffer.byteLength(JSON.stringify(event) ?? '');
  if (bytes > MAX_EVENT_BYTES) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be at most ${MAX_EVENT_BYTES} bytes as JSON, not ${bytes}` });
});

const configSchema = z
  .object({
    cron: z.string().max(MAX_CRON_LENGTH).superRefine((cron, ctx) => {
      for (const problem of cronProblems(cron)) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `invalid cron expression: ${problem}` });
    }).optional(),
    interval: duration({ min: MIN_INTERVAL_MS, wholeSeconds: true }).optional(),
    timezone: timeZone.default('UTC'),
    overlap: z.enum(OVERLAP_POLICIES).default('skip'),
    event: fixedEvent.optional(),
    catchupWindow: duration({ min: MIN_CATCHUP_WINDOW_MS }).optional(),
    jitter: duration({ min: 0 }).optional(),
  })
  .strict();

/** A schedule trigger's `config` after parsing: defaults applied, durations as written. */
export type ScheduleTriggerConfig = z.output<typeof configSchema>;

/**
 * Validates a schedule trigger's `config` and applies its defaults; the result parses to
 * itself again. Throws InputError listing every bad field as `config.<field>`.
 */
export function parseScheduleConfig(config: unknown): ScheduleTriggerConfig {
  const result = configSchema.safeParse(config);
  const issues = result.success ? [] : result.error.issues.map((issue) => ({ path: ['config', ...issue.path].join('.'), message: issue.message }));
  // Checked on the raw object so the rule is reported beside the field errors, not after them.
  if (isObject(config) && (config.cron === undefined) === (config.interval === undefined)) {
    issues.push({ path: 'config', message: 'give exactly one of cron and interval' });
  }
  if (result.success && issues.length === 0) return result.data;
  throw new InputError(`Invalid schedule trigger: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}.`, { issues });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
