import { z } from 'zod';
import type { Principal } from '../../modules/auth/contract';
import type { FunctionService } from '../../modules/meta/functions';
import { functionLogQuerySchema, startOf, type FunctionLogStore, type LogFilter, type LogFollowers } from '../../modules/observability/logs';
import { defineRoute, pathParam, type RouteSpec } from '../route';
import * as schemas from '../schemas';

export interface FunctionLogRoutesDeps {
  functions: FunctionService;
  /** The function log and this process's followers (absent: no such route). */
  functionLogs?: { store: FunctionLogStore; followers: LogFollowers };
}

const lineSchema = z
  .object({
    at: z.string().describe('When the attempt\'s output came back (ISO 8601, UTC)'),
    invocationId: z.string(),
    version: z.number().int(),
    attempt: z.number().int(),
    stream: z.enum(['stdout', 'stderr']),
    line: z.string(),
  })
  .describe('One line a function printed');

const pageSchema = z
  .object({
    items: z.array(lineSchema).describe('Oldest first (newest last)'),
    next: z.string().describe('Pass as `after` (or `since`) for the lines after these, or as Last-Event-ID'),
  })
  .describe('A page of a function\'s log');

/**
 * GET /v1/functions/{name}/logs — what the function printed, across invocations, newest last.
 * `invocation:read`, scoped to the function; a reader without `invocation:read-any` sees only
 * the lines of invocations it started (as with GET /v1/invocations). `follow=true` answers a
 * text/event-stream: the page, then each new line, `: keepalive` every 15 s, until the client
 * leaves; `Last-Event-ID` resumes after the event it names.
 */
export function functionLogRoutes(deps: FunctionLogRoutesDeps): RouteSpec[] {
  const logs = deps.functionLogs;
  if (!logs) return [];
  return [
    defineRoute({
      method: 'get', path: '/v1/functions/{name}/logs', access: 'invocation:read', tag: 'Invocations',
      summary: 'A function\'s captured stdout/stderr across invocations, newest last; follow=true streams new lines (SSE)',
      description: 'Without a cursor: the last `limit` lines at or after `since`. With `after` (or a cursor as `since`, or Last-Event-ID when following): the first `limit` lines after it.',
      params: z.object({ name: pathParam('The function name') }),
      query: functionLogQuerySchema,
      responses: {
        200: { description: 'A page of lines (JSON), or with follow=true a text/event-stream of them', schema: pageSchema },
        404: { description: 'No such function (FUNCTION_NOT_FOUND)', schema: schemas.errorBodySchema },
        429: { description: 'follow=true: this process streams as many logs as it allows (TOO_MANY_FOLLOWERS, with Retry-After)', schema: schemas.errorBodySchema },
      },
      target: ({ params }) => ({ name: params.name }),
      async handler(ctx, { params, query, principal }) {
        await deps.functions.get(params.name);
        const filter: LogFilter = { functionName: params.name, invocationId: query.invocation, stream: query.stream, caller: ownLinesOnly(principal) };
        const lastEventId = ctx.get('last-event-id');
        const start = startOf(query.follow && lastEventId ? { after: lastEventId } : query);
        if (!query.follow) {
          ctx.body = await logs.store.list(filter, start, query.limit);
          return;
        }
        const follower = logs.followers.follow(filter, start, query.limit);
        ctx.req.socket.setTimeout(0);
        ctx.req.socket.setNoDelay(true);
        // The response closes when the client leaves (the request's own 'close' comes once its empty body is read).
        ctx.res.once('close', follower.close);
        ctx.set({ 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no', Connection: 'keep-alive' });
        ctx.type = 'text/event-stream';
        ctx.body = follower.stream;
      },
    }),
  ];
}

/** A reader without `invocation:read-any` reads only its own invocations' lines. */
function ownLinesOnly(principal: Principal | undefined): string | undefined {
  return principal?.permissions.has('invocation:read-any') ? undefined : (principal?.id ?? '');
}
