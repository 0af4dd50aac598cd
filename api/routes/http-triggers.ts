import type { Context } from 'koa';
import { z } from 'zod';
import { UnauthenticatedError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import type { Invoker } from '../../modules/task/invoker';
import { triggerLabel } from '../../modules/trigger/contract';
import {
  buildEvent,
  MethodNotAllowedError,
  publicPath,
  RouteCache,
  RouteNotFoundError,
  toHttpAnswer,
  TriggerPausedError,
  type HttpAnswer,
  type HttpTriggerConfig,
} from '../../modules/trigger/http';
import { readBytes } from '../../modules/trigger/http/read-body';
import { apiKeyMatches, type TriggerService } from '../../modules/trigger/service';
import { defineRoute, type ApiContext, type HttpMethod, type RouteSpec } from '../route';
import * as schemas from '../schemas';

export interface HttpTriggerRoutesDeps {
  triggers: TriggerService;
  invoker: Invoker;
  bodyLimitBytes: number;
  logger: Logger;
  /** How long the route table is used before it is read again (default 2 s); changes made through `triggers` apply at once. */
  routesMaxAgeMs?: number;
}

const INVOCATION_HEADER = 'X-PyFaaS-Invocation-Id';
// HEAD comes with GET; OPTIONS reaches the function too (a route may answer CORS preflights itself).
const METHODS: HttpMethod[] = ['get', 'post', 'put', 'patch', 'delete', 'options'];

/**
 * Serves the HTTP triggers: every method on `/t` and `/t/...`. The most specific matching
 * route answers (modules/trigger/http/route-table.ts); no route is a 404 ROUTE_NOT_FOUND, a
 * route for other methods a 405 METHOD_NOT_ALLOWED with Allow, a missing or wrong API key a
 * 401 UNAUTHENTICATED, a paused trigger a 503 TRIGGER_PAUSED, a body over the limit a 413.
 * The request becomes the function's event (modules/trigger/http/event.ts); a sync answer is
 * the function's response (modules/trigger/http/response.ts), an async one a 202 with the
 * invocation id. Every answer that started an invocation carries X-PyFaaS-Invocation-Id.
 * The routes are public to the API's auth (a trigger's own API key guards it) and limited per
 * client address.
 */
export function httpTriggerRoutes(deps: HttpTriggerRoutesDeps): RouteSpec[] {
  const routes = new RouteCache({
    load: () => deps.triggers.list<HttpTriggerConfig>({ kind: 'http' }),
    maxAgeMs: deps.routesMaxAgeMs ?? 2000,
    logger: deps.logger,
  });
  deps.triggers.onChange(() => routes.invalidate());

  const serve = async (ctx: ApiContext) => {
    const method = ctx.method.toUpperCase();
    const found = (await routes.current()).lookup(method, ctx.path);
    if (found.kind === 'not-found') throw new RouteNotFoundError(`No HTTP trigger answers ${method} ${ctx.path}.`);
    if (found.kind === 'method-not-allowed') {
      ctx.set('Allow', found.allow.join(', '));
      throw new MethodNotAllowedError(`${ctx.path} does not answer ${method}; it answers ${found.allow.join(', ')}.`, found.allow);
    }
    const { route: { trigger }, pathParams } = found;
    if (trigger.config.auth === 'api-key' && !apiKeyMatches(presentedKey(ctx), trigger.apiKeyHash)) {
      throw new UnauthenticatedError(`${method} ${publicPath(trigger.config.path)} needs the trigger's API key in x-api-key or Authorization: Bearer.`);
    }
    if (trigger.paused) throw new TriggerPausedError(`Trigger ${JSON.stringify(trigger.name)} is paused.`);

    const event = buildEvent({
      method, path: ctx.path, route: trigger.config.path, pathParams, query: ctx.query, headers: ctx.headers,
      body: await readBytes(ctx.req, deps.bodyLimitBytes), requestId: ctx.state.requestId,
    });
    const options = { trigger: triggerLabel('http', trigger.name) };
    if (trigger.config.mode === 'async') {
      const { invocationId } = await deps.invoker.invokeAsync(trigger.functionName, event, options);
      ctx.set(INVOCATION_HEADER, invocationId);
      ctx.set('Location', `/v1/invocations/${invocationId}`);
      ctx.status = 202;
      ctx.body = { invocationId, status: 'queued' };
      return;
    }
    const view = await deps.invoker.invokeSync(trigger.functionName, event, options);
    if (view.status !== 'succeeded') ctx.state.logger.info({ trigger: trigger.name, invocationId: view.invocationId, status: view.status }, 'HTTP trigger invocation did not succeed');
    send(ctx, toHttpAnswer(view, ctx.state.requestId));
    ctx.set(INVOCATION_HEADER, view.invocationId);
  };
  return METHODS.map((method) =>
    defineRoute({
      method, path: '/t/{path}', match: /^\/t(?:\/.*)?$/, access: 'public', tag: 'HTTP triggers', rawBody: true,
      summary: `${method.toUpperCase()} an HTTP trigger's route (the trigger's own API key, if it has one)`,
      params: z.object({ path: z.string().describe('The route below /t, as its trigger declares it') }),
      responses: {
        200: { description: "The function's answer, mapped like API Gateway's proxy integration" },
        202: { description: 'Async trigger: queued', schema: schemas.queuedInvocationSchema },
        404: { description: 'ROUTE_NOT_FOUND', schema: schemas.errorBodySchema },
      },
      handler: serve,
    }),
  );
}

/** The key from `x-api-key`, else from `Authorization: Bearer <key>`. */
function presentedKey(ctx: Context): string | undefined {
  const header = ctx.get('x-api-key');
  if (header) return header;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(ctx.get('authorization'));
  return bearer?.[1];
}

function send(ctx: Context, answer: HttpAnswer): void {
  for (const [name, value] of Object.entries(answer.headers)) ctx.set(name, value);
  ctx.status = answer.status;
  ctx.body = answer.body;
  // Koa labels a Buffer body application/octet-stream; an empty answer without a type has none.
  if (answer.body.length === 0 && !('content-type' in answer.headers)) ctx.remove('Content-Type');
}
