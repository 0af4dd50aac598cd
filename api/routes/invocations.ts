import { z } from 'zod';
import { authorizeFunction, type LabelLookup } from '../../modules/auth/authorize';
import type { Principal } from '../../modules/auth/contract';
import { InvocationNotFoundError } from '../../modules/task/errors';
import type { InvocationView } from '../../modules/task/invocation-view';
import type { Invoker } from '../../modules/task/invoker';
import { boolParam, intParam } from '../body';
import { defineRoute, pathParam, queryParam, type RouteSpec } from '../route';
import * as schemas from '../schemas';
import { aliasParam } from './aliases';

export interface InvocationRoutesDeps {
  invoker: Invoker;
  labelsOf: LabelLookup;
}

const tag = 'Invocations';

/** Without `invocation:read-any` a principal sees only the invocations it started. */
function seesAll(principal: Principal | undefined): boolean {
  return Boolean(principal?.permissions.has('invocation:read-any'));
}

/**
 * POST /v1/functions/{name}/invoke[?version=n | ?alias=name] — sync by default; `?async=true` or `Prefer: respond-async`
 * answers 202 with the invocation id. A function error is a 200 with status `failed` and the
 * X-PyFaaS-Function-Error header, never a platform 5xx. Every API invocation records its
 * caller. GET /v1/invocations, GET /v1/invocations/{id}, POST /v1/invocations/{id}/cancel —
 * an invoker sees only its own (another's reads as not found).
 */
export function invocationRoutes(deps: InvocationRoutesDeps): RouteSpec[] {
  /** The invocation, if this principal may see it; else InvocationNotFoundError (or 403 for a function outside its scope). */
  const visible = async (id: string, principal: Principal): Promise<InvocationView> => {
    const view = await deps.invoker.get(id);
    if (!seesAll(principal) && view.caller !== principal.id) throw new InvocationNotFoundError(`No invocation ${id}.`);
    await authorizeFunction(principal, { name: view.functionName }, deps.labelsOf);
    return view;
  };
  const id = z.object({ id: pathParam('The invocation id (its workflow id)') });

  return [
    defineRoute({
      method: 'post', path: '/v1/functions/{name}/invoke', access: 'function:invoke', tag,
      summary: 'Invoke a function: sync (the result), or async (202 with the invocation id)',
      description: 'The body is the event (any JSON). Headers: `Prefer: respond-async`, `Idempotency-Key` (a repeated key gives the first invocation: its id when async, its record when sync).',
      params: z.object({ name: pathParam('The function name') }),
      query: z.object({
        version: queryParam('A version number (default: the active version)'),
        alias: queryParam('An alias: the version is drawn by its weights'),
        async: queryParam('true: answer 202 at once'),
      }),
      body: { schema: z.unknown().describe('The event'), what: 'event', anyJson: true },
      responses: {
        200: { description: 'The invocation, ended (a function error is status `failed`)', schema: schemas.invocationViewSchema },
        202: { description: 'Queued', schema: schemas.queuedInvocationSchema },
        503: { description: 'Sync: more callers wait for a turn on this process than it lets wait (OVERLOADED, with Retry-After)', schema: schemas.errorBodySchema },
      },
      target: ({ params }) => ({ name: params.name }),
      async handler(ctx, { params, query, body, principal }) {
        const version = intParam(query.version, 'version', { min: 1, max: 2 ** 31 - 1 });
        const alias = aliasParam(query.alias);
        const async = boolParam(query.async) || /\brespond-async\b/i.test(ctx.get('prefer'));
        const options = { version, alias, trigger: 'api', idempotencyKey: ctx.get('idempotency-key') || undefined, caller: principal?.id };
        if (async) {
          const { invocationId } = await deps.invoker.invokeAsync(params.name, body ?? null, options);
          ctx.status = 202;
          ctx.set('Location', `/v1/invocations/${invocationId}`);
          ctx.body = { invocationId, status: 'queued' };
          return;
        }
        const view = await deps.invoker.invokeSync(params.name, body ?? null, options);
        if (view.error) ctx.set('X-PyFaaS-Function-Error', view.error.type);
        ctx.body = view;
      },
    }),
    defineRoute({
      method: 'get', path: '/v1/invocations', access: 'invocation:read', tag, summary: 'List invocations, newest first',
      query: z.object({
        function: queryParam('Only this function'),
        status: queryParam('queued, running, succeeded, failed, timed_out or cancelled'),
        limit: queryParam('1 to 1000 (default 50)'),
        pageToken: queryParam('nextPageToken of the previous page'),
      }),
      responses: { 200: { description: 'A page of invocations', schema: schemas.invocationPageSchema } },
      target: ({ query }) => (query.function ? { name: query.function } : undefined),
      scopedMayList: true,
      async handler(ctx, { query, principal }) {
        // A principal scoped to functions that names none sees its own invocations only.
        const own = !seesAll(principal) || (principal?.functions !== undefined && !query.function);
        ctx.body = await deps.invoker.list({
          functionName: query.function,
          status: query.status,
          caller: own ? principal?.id : undefined,
          limit: intParam(query.limit, 'limit', { min: 1, max: 1000 }) ?? 50,
          pageToken: query.pageToken,
        });
      },
    }),
    defineRoute({
      method: 'get', path: '/v1/invocations/{id}', access: 'invocation:read', tag, summary: 'Read an invocation: status, result or error, logs, attempts',
      params: id, scopedMayList: true,
      responses: { 200: { description: 'The invocation', schema: schemas.invocationViewSchema } },
      async handler(ctx, { params, principal }) {
        ctx.body = await visible(params.id, principal!);
      },
    }),
    defineRoute({
      method: 'post', path: '/v1/invocations/{id}/cancel', access: 'invocation:cancel', tag, summary: 'Cancel a queued or running invocation',
      params: id, scopedMayList: true,
      responses: { 202: { description: 'Cancellation requested', schema: schemas.invocationViewSchema } },
      audit: { resource: 'invocation', name: ({ params }) => params.id },
      async handler(ctx, { params, principal }) {
        await visible(params.id, principal!);
        ctx.status = 202;
        ctx.body = await deps.invoker.cancel(params.id);
      },
    }),
  ];
}
