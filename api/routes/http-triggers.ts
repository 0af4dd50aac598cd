import Router from '@koa/router';
import type { Context } from 'koa';
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
import type { RequestState } from '../middleware/request-context';

export interface HttpTriggerRouterDeps {
  triggers: TriggerService;
  invoker: Invoker;
  bodyLimitBytes: number;
  logger: Logger;
  /** How long the route table is used before it is read again (default 2 s); changes made through `triggers` apply at once. */
  routesMaxAgeMs?: number;
}

const INVOCATION_HEADER = 'X-PyFaaS-Invocation-Id';

/**
 * Serves the HTTP triggers: every method on `/t` and `/t/...`. The most specific matching
 * route answers (modules/trigger/http/route-table.ts); no route is a 404 ROUTE_NOT_FOUND, a
 * route for other methods a 405 METHOD_NOT_ALLOWED with Allow, a missing or wrong API key a
 * 401 UNAUTHENTICATED, a paused trigger a 503 TRIGGER_PAUSED, a body over the limit a 413.
 * The request becomes the function's event (modules/trigger/http/event.ts); a sync answer is
 * the function's response (modules/trigger/http/response.ts), an async one a 202 with the
 * invocation id. Every answer that started an invocation carries X-PyFaaS-Invocation-Id.
 */
export function createHttpTriggerRouter(deps: HttpTriggerRouterDeps): Router<RequestState> {
  const routes = new RouteCache({
    load: () => deps.triggers.list<HttpTriggerConfig>({ kind: 'http' }),
    maxAgeMs: deps.routesMaxAgeMs ?? 2000,
    logger: deps.logger,
  });
  deps.triggers.onChange(() => routes.invalidate());

  const router = new Router<RequestState>();
  router.all(/^\/t(?:\/.*)?$/, async (ctx) => {
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
  });
  return router;
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
