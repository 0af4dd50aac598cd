import type { z } from 'zod';
import { InputError } from './errors';

/**
 * Parses `value` with `schema`. Throws InputError naming every bad field, in one sentence
 * (`Invalid <what>: <path>: <message>; ….`) and in `details.issues` as `{path, message}`;
 * `prefix` puts each path under a parent field (e.g. `config`, `params`).
 */
export function parseInput<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, value: unknown, what: string, prefix?: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({ path: [...(prefix ? [prefix] : []), ...issue.path].join('.'), message: issue.message }));
  throw new InputError(`Invalid ${what}: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}.`, { issues });
}
