import Router from '@koa/router';
import { InputError } from '../../common/errors';
import { ALIAS_NAME_RULE, type AliasRecord, type AliasService } from '../../modules/meta/aliases';
import { FUNCTION_NAME } from '../../modules/meta/function-input';
import type { Rollouts } from '../../modules/meta/rollouts';
import { readJson } from '../body';

export interface AliasRouterDeps {
  aliases: AliasService;
  rollouts: Rollouts;
  bodyLimitBytes: number;
}

/** Reads the optional `?alias=` of an invoke request; throws InputError for a malformed one. */
export function aliasParam(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !FUNCTION_NAME.test(value)) throw new InputError(`alias ${ALIAS_NAME_RULE} (got ${JSON.stringify(value)}).`);
  return value;
}

export function aliasView(alias: AliasRecord) {
  return { name: alias.name, functionName: alias.functionName, versions: alias.routes, createdAt: alias.createdAt, updatedAt: alias.updatedAt };
}

/**
 * Aliases: PUT /v1/functions/:name/aliases/:alias `{versions:[{version, weight}]}` (create or
 * replace, 200), GET the list or one, DELETE (204). An alias being rolled out may be changed
 * too: the rollout then stops and leaves it as set. Rollouts: POST /v1/functions/:name/rollouts
 * (202 with the rollout id), GET /v1/rollouts/:id[?runId=] (progress while it runs, result after).
 */
export function createAliasRouter(deps: AliasRouterDeps): Router {
  const router = new Router({ prefix: '/v1' });

  router.put('/functions/:name/aliases/:alias', async (ctx) => {
    const body = await readJson(ctx, deps.bodyLimitBytes);
    const { alias } = await deps.aliases.put(ctx.params.name, ctx.params.alias, body);
    ctx.body = aliasView(alias);
  });

  router.get('/functions/:name/aliases', async (ctx) => {
    ctx.body = { items: (await deps.aliases.list(ctx.params.name)).map(aliasView) };
  });

  router.get('/functions/:name/aliases/:alias', async (ctx) => {
    ctx.body = aliasView(await deps.aliases.get(ctx.params.name, ctx.params.alias));
  });

  router.delete('/functions/:name/aliases/:alias', async (ctx) => {
    await deps.aliases.delete(ctx.params.name, ctx.params.alias);
    ctx.status = 204;
  });

  router.post('/functions/:name/rollouts', async (ctx) => {
    const body = await readJson(ctx, deps.bodyLimitBytes);
    const { rolloutId, runId, input } = await deps.rollouts.start(ctx.params.name, body);
    ctx.status = 202;
    ctx.set('Location', `/v1/rollouts/${rolloutId}`);
    ctx.body = { rolloutId, runId, status: 'running', ...input };
  });

  router.get('/rollouts/:id', async (ctx) => {
    const runId = typeof ctx.query.runId === 'string' && ctx.query.runId ? ctx.query.runId : undefined;
    ctx.body = await deps.rollouts.progress(ctx.params.id, runId);
  });

  return router;
}
