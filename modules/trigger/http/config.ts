import { z } from 'zod';
import { parseInput } from '../../../common/validation';
import { HTTP_METHODS, MAX_PATH_LENGTH, parseTemplate, type RouteMethod } from './route';

const METHODS = [...HTTP_METHODS, 'ANY'] as const;

/** The `config` of an `http` trigger, as stored (defaults applied, method uppercase). */
export const httpConfigSchema = z
  .object({
    method: z
      .string()
      .transform((method) => method.toUpperCase())
      .pipe(z.enum(METHODS, { errorMap: () => ({ message: `must be one of ${METHODS.join(', ')}` }) })),
    path: z
      .string()
      .max(MAX_PATH_LENGTH)
      .superRefine((path, ctx) => {
        const parsed = parseTemplate(path);
        if ('problems' in parsed) for (const message of parsed.problems) ctx.addIssue({ code: z.ZodIssueCode.custom, message });
      }),
    auth: z.enum(['public', 'api-key']).default('api-key'),
    mode: z.enum(['sync', 'async']).default('sync'),
  })
  .strict();

export interface HttpTriggerConfig {
  method: RouteMethod;
  /** A template relative to `/t`, e.g. `/orders/{id}` (see ./route.ts). */
  path: string;
  /** `api-key`: callers present the trigger's key in `x-api-key` or `Authorization: Bearer`. */
  auth: 'public' | 'api-key';
  /** `async` answers 202 with the invocation id instead of waiting for the result. */
  mode: 'sync' | 'async';
}

/** Validates an http trigger's config and applies its defaults; throws InputError listing every bad field as `config.<field>`. */
export function parseHttpConfig(config: unknown): HttpTriggerConfig {
  return parseInput(httpConfigSchema, config, 'HTTP trigger', 'config');
}
