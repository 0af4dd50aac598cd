import Router from '@koa/router';
import type { Invoker } from '../../modules/task/invoker';
import { boolParam, intParam, readJson } from '../body';
import { aliasParam } from './aliases';

export interface InvocationRouterDeps {
  invoker: Invoker;
  bodyLimitBytes: number;
}

/**
 * POST /v1/functions/:name/invoke[?version=n | ?alias=name] — sync by default; `?async=true` or `Prefer: respond-async`
 * answers 202 with the invocation id. A function error is a 200 with status `failed` and the
 * X-PyFaaS-Function-Error header, never a platform 5xx.
 * GET /v1/invocations, GET /v1/invocations/:id, POST /v1/invocations/:id/cancel.
 */
export function createInvocationRouter(deps: InvocationRouterDeps): Router {
  const router = new Router({ prefix: '/v1' });

  router.post('/functions/:name/invoke', async (ctx) => {
    const event = await readJson(ctx, deps.bodyLimitBytes);
    const version = intParam(ctx.query.version, 'version', { min: 1, max: 2 ** 31 - 1 });
    const alias = aliasParam(ctx.query.alias);
    const async = boolParam(ctx.query.async) || /\brespond-async\b/i.test(ctx.get('prefer'));
    const options = { version, alias, trigger: 'api', idempotencyKey: ctx.get('idempotency-key') || undefined };
    if (async) {
      const { invocationId } = await deps.invoker.invokeAsync(ctx.params.name, event ?? null, options);
      ctx.status = 202;
      ctx.set('Location', `/v1/invocations/${invocationId}`);
      ctx.body = { invocationId, status: 'queued' };
      return;
    }
    const view = await deps.invoker.invokeSync(ctx.params.name, event ?? null, options);
    if (view.error) ctx.set('X-PyFaaS-Function-Error', view.error.type);
    ctx.body = view;
  });

  router.get('/invocations', async (ctx) => {
    ctx.body = await deps.invoker.list({
      functionName: typeof ctx.query.function === 'string' ? ctx.query.function : undefined,
      status: typeof ctx.query.status === 'string' ? ctx.query.status : undefined,
      limit: intParam(ctx.query.limit, 'limit', { min: 1, max: 1000 }) ?? 50,
      pageToken: typeof ctx.query.pageToken === 'string' ? ctx.query.pageToken : undefined,
    });
  });

  router.get('/invocations/:id', async (ctx) => {
    ctx.body = await deps.invoker.get(ctx.params.id);
  });

  router.post('/invocations/:id/cancel', async (ctx) => {
    ctx.status = 202;
    ctx.body = await deps.invoker.cancel(ctx.params.id);
  });

  return router;
}
