import type { z } from 'zod';
import { InputError } from '../../common/errors';

/**
 * Parses `value` with `schema`; throws InputError listing every bad field, each path relative to
 * the scaling policy (`module`, `params.maxInstances`), in the sentence and in `details.issues`.
 */
export function parseOrThrow<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, value: unknown, what: string, prefix?: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({ path: [...(prefix ? [prefix] : []), ...issue.path].join('.'), message: issue.message }));
  throw new InputError(`Invalid ${what}: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}.`, { issues });
}

/** A count from metrics or state: anything not a finite positive number is 0. */
export function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}

/** A number for a sentence: at most one decimal, no trailing `.0`. */
export function formatNumber(value: number): string {
  return String(Math.round(value * 10) / 10);
}

/** Milliseconds for a sentence, as seconds: `6 s`, `0.5 s`. */
export function formatSeconds(ms: number): string {
  return `${formatNumber(ms / 1000)} s`;
}
