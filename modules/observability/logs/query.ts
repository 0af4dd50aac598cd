import { z } from 'zod';
import { cursorId, isCursor } from './cursor';

export const LOG_PAGE_MAX = 1000;
export const LOG_PAGE_DEFAULT = 100;

// Koa hands the query over as strings (an array when a name repeats); an empty value means "not given".
const given = (value: unknown) => (value === '' ? undefined : value);
const once = () => z.string({ invalid_type_error: 'must be given once' });

const ISO_TIME = z.string().datetime({ offset: true });
const SINCE_RULE = 'must be an ISO 8601 time with an offset (2025-01-31T12:00:00Z), epoch milliseconds, or a cursor';
const LIMIT_RULE = `must be an integer from 1 to ${LOG_PAGE_MAX}`;

/** Where a page starts: after a line (a cursor), or at a time. */
export type LogStart = { after: number } | { at: Date } | undefined;

/** `since` as given: a cursor, epoch milliseconds, or an ISO 8601 time with an offset. */
const since = z
  .preprocess(
    given,
    once()
      .refine((s) => isCursor(s) || /^[0-9]{1,15}$/.test(s) || ISO_TIME.safeParse(s).success, SINCE_RULE)
      .optional(),
  )
  .describe('Lines at or after this time (ISO 8601 with an offset, or epoch ms), or after this cursor (a page\'s `next`)');

/**
 * The query string of GET /v1/functions/{name}/logs. Unknown parameters are refused, so a
 * misspelt filter does not silently show everything.
 */
export const functionLogQuerySchema = z
  .object({
    since,
    after: z.preprocess(given, once().optional()).describe('A cursor (a page\'s `next`, an event id): the lines after it, oldest first'),
    limit: z
      .preprocess(
        given,
        once()
          .regex(/^[0-9]{1,5}$/, LIMIT_RULE)
          .transform(Number)
          .pipe(z.number().min(1, LIMIT_RULE).max(LOG_PAGE_MAX, LIMIT_RULE))
          .default(String(LOG_PAGE_DEFAULT)),
      )
      .describe(`Lines per page, 1 to ${LOG_PAGE_MAX} (default ${LOG_PAGE_DEFAULT})`),
    invocation: z.preprocess(given, once().max(255).optional()).describe('Only this invocation\'s lines'),
    stream: z.preprocess(given, z.enum(['stdout', 'stderr'], { message: 'must be stdout or stderr' }).optional()).describe('stdout or stderr'),
    follow: z
      .preprocess(given, z.enum(['true', 'false', '1', '0'], { message: 'must be true or false' }).optional())
      .transform((value) => value === 'true' || value === '1')
      .describe('true: a text/event-stream of the page, then each new line, until the client leaves'),
  })
  .strict();

export type FunctionLogQuery = z.output<typeof functionLogQuerySchema>;

/** Where the query starts: `after` wins over `since`; a `since` that is a cursor is read as one. Throws InputError for a malformed `after`. */
export function startOf(query: Pick<FunctionLogQuery, 'since' | 'after'>): LogStart {
  if (query.after !== undefined) return { after: cursorId(query.after, 'after') };
  if (query.since === undefined) return undefined;
  if (isCursor(query.since)) return { after: cursorId(query.since, 'since') };
  return { at: /^[0-9]+$/.test(query.since) ? new Date(Number(query.since)) : new Date(query.since) };
}
