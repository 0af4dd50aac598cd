/**
 * Durations in a schedule trigger's config: a number of milliseconds, or a string of one or
 * more `<whole number><unit>` parts with units ms, s, m, h, d (`30s`, `5m`, `1h30m`). Kept as
 * the user wrote them in the stored config; converted to milliseconds only for Temporal.
 */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

const DURATION = /^(?:\d+(?:ms|s|m|h|d))+$/;
const PART = /(\d+)(ms|s|m|h|d)/g;

export type DurationInput = string | number;

/** Milliseconds, or undefined when `value` is not a duration. */
export function durationMs(value: DurationInput): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (!DURATION.test(value)) return undefined;
  let total = 0;
  for (const [, amount, unit] of value.matchAll(PART)) total += Number(amount) * UNIT_MS[unit!];
  return Number.isSafeInteger(total) ? total : undefined;
}

/** Like durationMs, for values the config schema has already accepted; throws when it has not. */
export function requiredDurationMs(value: DurationInput): number {
  const ms = durationMs(value);
  if (ms === undefined) throw new TypeError(`${JSON.stringify(value)} is not a duration.`);
  return ms;
}
