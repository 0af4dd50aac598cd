import Router from '@koa/router';
import type { Trigger } from '../../modules/trigger/contract';
import type { BridgeStatus } from '../../modules/trigger/kafka';
import type { TriggerService } from '../../modules/trigger/service';
import { readJson } from '../body';

export interface TriggerRouterDeps {
  triggers: TriggerService;
  bodyLimitBytes: number;
  /** The Kafka bridge in this process, if any: its live state is shown beside each Kafka trigger. */
  bridgeStatus?: () => BridgeStatus;
}

/**
 * Triggers: POST /v1/triggers (201; an `apiKey` is returned once for kinds that need one),
 * GET /v1/triggers?kind=&function=, GET/PATCH/DELETE /v1/triggers/:name, and
 * POST /v1/triggers/:name/api-key (a new key; the old one stops working).
 */
export function createTriggerRouter(deps: TriggerRouterDeps): Router {
  const router = new Router({ prefix: '/v1' });

  const view = (trigger: Trigger) => {
    const { id: _id, apiKeyHash, functionName, ...rest } = trigger;
    const live = trigger.kind === 'kafka' ? deps.bridgeStatus?.().triggers.find((t) => t.id === trigger.name) : undefined;
    return { ...rest, function: functionName, requiresApiKey: Boolean(apiKeyHash), ...(live ? { bridge: live } : {}) };
  };

  router.post('/triggers', async (ctx) => {
    const { trigger, apiKey } = await deps.triggers.create(await readJson(ctx, deps.bodyLimitBytes));
    ctx.status = 201;
    ctx.set('Location', `/v1/triggers/${trigger.name}`);
    ctx.body = { trigger: view(trigger), ...(apiKey ? { apiKey } : {}) };
  });

  router.get('/triggers', async (ctx) => {
    const kind = typeof ctx.query.kind === 'string' ? ctx.query.kind : undefined;
    const functionName = typeof ctx.query.function === 'string' ? ctx.query.function : undefined;
    ctx.body = { items: (await deps.triggers.list({ kind, functionName })).map(view) };
  });

  router.get('/triggers/:name', async (ctx) => {
    const { trigger, live } = await deps.triggers.describe(ctx.params.name);
    ctx.body = { ...view(trigger), ...live };
  });

  router.patch('/triggers/:name', async (ctx) => {
    ctx.body = view(await deps.triggers.update(ctx.params.name, await readJson(ctx, deps.bodyLimitBytes)));
  });

  router.delete('/triggers/:name', async (ctx) => {
    await deps.triggers.delete(ctx.params.name);
    ctx.status = 204;
  });

  router.post('/triggers/:name/api-key', async (ctx) => {
    ctx.body = { apiKey: await deps.triggers.rotateApiKey(ctx.params.name) };
  });

  return router;
}
