import Router from '@koa/router';
import { InputError } from '../../common/errors';
import type { FunctionRecord, FunctionVersionRecord } from '../../modules/meta/entities';
import type { Deployer } from '../../modules/meta/deployer';
import type { FunctionService } from '../../modules/meta/functions';
import type { Scalers } from '../../modules/scaling/scalers';
import { boolParam, intParam, readJson } from '../body';

export interface FunctionRouterDeps {
  functions: FunctionService;
  deployer: Deployer;
  scalers: Scalers;
  bodyLimitBytes: number;
}

export function functionView(fn: FunctionRecord) {
  const { id: _id, status: _status, ...view } = fn;
  return { ...view, activeVersion: fn.activeVersion ?? null };
}

export function versionView(version: FunctionVersionRecord) {
  const { id: _id, artifactPath: _artifactPath, ...view } = version;
  return view;
}

/** `label=team=payments` (repeatable) → { team: 'payments' }. */
function labelFilter(value: string | string[] | undefined): Record<string, string> {
  const filters = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return Object.fromEntries(
    filters.map((filter) => {
      const at = filter.indexOf('=');
      if (at <= 0) throw new InputError(`label filter ${JSON.stringify(filter)} must be key=value.`);
      return [filter.slice(0, at), filter.slice(at + 1)];
    }),
  );
}

/**
 * Functions: create (201, or 202 with `?wait=false`), list (by label, paginated), get,
 * update (a new version when code or config changes), delete (drains, then removes),
 * versions; GET /v1/deployments/:id reads a deployment's progress.
 */
export function createFunctionRouter(deps: FunctionRouterDeps): Router {
  const router = new Router({ prefix: '/v1' });
  const wait = (query: Record<string, unknown>) => query.wait === undefined || boolParam(query.wait);

  router.post('/functions', async (ctx) => {
    const body = await readJson(ctx, deps.bodyLimitBytes);
    const waited = wait(ctx.query);
    const { fn, deployment } = await deps.deployer.create(body, waited);
    ctx.status = waited ? 201 : 202;
    ctx.set('Location', `/v1/functions/${fn.name}`);
    ctx.body = { function: functionView(fn), deployment };
  });

  router.get('/functions', async (ctx) => {
    const page = await deps.functions.list({
      labels: labelFilter(ctx.query.label),
      limit: intParam(ctx.query.limit, 'limit', { min: 1, max: 500 }) ?? 50,
      after: typeof ctx.query.after === 'string' ? ctx.query.after : undefined,
    });
    ctx.body = { items: page.items.map(functionView), next: page.next };
  });

  router.get('/functions/:name', async (ctx) => {
    ctx.body = functionView(await deps.functions.get(ctx.params.name));
  });

  router.patch('/functions/:name', async (ctx) => {
    const body = await readJson(ctx, deps.bodyLimitBytes);
    const waited = wait(ctx.query);
    const activate = ctx.query.activate === undefined || boolParam(ctx.query.activate);
    const { fn, deployment } = await deps.deployer.update(ctx.params.name, body, waited, activate);
    ctx.status = deployment && !waited ? 202 : 200;
    ctx.body = { function: functionView(fn), deployment };
  });

  /** The scaler's policy and its last decisions with their reasons (also a query in the Temporal UI). */
  router.get('/functions/:name/scaling', async (ctx) => {
    const fn = await deps.functions.get(ctx.params.name);
    const status = await deps.scalers.status(fn.name);
    ctx.body = { function: fn.name, policy: fn.scaling ?? { module: 'kpa', params: {} }, running: Boolean(status), decisions: status?.decisions ?? [] };
  });

  router.delete('/functions/:name', async (ctx) => {
    const waited = wait(ctx.query);
    await deps.deployer.delete(ctx.params.name, waited);
    ctx.status = waited ? 204 : 202;
  });

  router.get('/functions/:name/versions', async (ctx) => {
    await deps.functions.get(ctx.params.name);
    ctx.body = { items: (await deps.functions.listVersions(ctx.params.name)).map(versionView) };
  });

  router.get('/functions/:name/versions/:number', async (ctx) => {
    const number = intParam(ctx.params.number, 'version', { min: 1, max: 2 ** 31 - 1 })!;
    ctx.body = versionView(await deps.functions.getVersion(ctx.params.name, number));
  });

  router.get('/deployments/:id', async (ctx) => {
    ctx.body = await deps.deployer.deployment(ctx.params.id);
  });

  return router;
}
