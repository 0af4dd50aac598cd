import { z } from 'zod';
import { InputError } from '../../common/errors';
import type { FunctionRecord, FunctionVersionRecord } from '../../modules/meta/entities';
import type { Deployer } from '../../modules/meta/deployer';
import { createFunctionSchema, redactExecutor, updateFunctionSchema } from '../../modules/meta/function-input';
import type { FunctionService } from '../../modules/meta/functions';
import type { Scalers } from '../../modules/scaling/scalers';
import { inScope } from '../../modules/auth/scope';
import { boolParam, intParam } from '../body';
import { defineRoute, pathParam, queryParam, type RouteSpec } from '../route';
import * as schemas from '../schemas';

export interface FunctionRoutesDeps {
  functions: FunctionService;
  deployer: Deployer;
  scalers: Scalers;
}

export function functionView(fn: FunctionRecord) {
  const { id: _id, status: _status, ...view } = fn;
  return { ...view, executor: fn.executor ? redactExecutor(fn.executor) : undefined, activeVersion: fn.activeVersion ?? null };
}

export function versionView(version: FunctionVersionRecord) {
  const { id: _id, artifactPath: _artifactPath, ...view } = version;
  return view.config.executor ? { ...view, config: { ...view.config, executor: redactExecutor(view.config.executor) } } : view;
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

const name = z.object({ name: pathParam('The function name') });
const waitQuery = z.object({ wait: queryParam('false: answer 202 at once and deploy in the background') });
const wait = (query: { wait?: string }) => query.wait === undefined || boolParam(query.wait);
const byName = ({ params }: { params: { name: string } }) => ({ name: params.name });
const tag = 'Functions';

/**
 * Functions: create (201, or 202 with `?wait=false`), list (by label, paginated), get,
 * update (a new version when code or config changes), delete (drains, then removes),
 * versions, the scaler's view; GET /v1/deployments/{id} reads a deployment's progress.
 */
export function functionRoutes(deps: FunctionRoutesDeps): RouteSpec[] {
  return [
    defineRoute({
      method: 'post', path: '/v1/functions', access: 'function:create', tag, summary: 'Create a function and deploy its first version',
      query: waitQuery, body: { schema: createFunctionSchema, what: 'function' },
      responses: { 201: { description: 'Deployed and active', schema: schemas.deployedSchema }, 202: { description: 'Deploying (`?wait=false`)', schema: schemas.deployedSchema } },
      target: ({ body }) => ({ name: body.name, labels: body.labels }),
      audit: { resource: 'function', name: ({ body }) => body?.name },
      async handler(ctx, { query, body }) {
        const waited = wait(query);
        const { fn, deployment } = await deps.deployer.create(body, waited);
        ctx.status = waited ? 201 : 202;
        ctx.set('Location', `/v1/functions/${fn.name}`);
        ctx.body = { function: functionView(fn), deployment };
      },
    }),
    defineRoute({
      method: 'get', path: '/v1/functions', access: 'function:read', tag, summary: 'List functions, filtered by labels, paginated by name',
      query: z.object({
        label: z.union([z.string(), z.array(z.string())]).optional().describe('key=value; repeat for more'),
        limit: queryParam('1 to 500 (default 50)'),
        after: queryParam('The last name of the previous page'),
      }),
      responses: { 200: { description: 'A page of functions', schema: schemas.functionPageSchema } },
      // A principal scoped to functions sees only those.
      scopedMayList: true,
      async handler(ctx, { query, principal }) {
        const page = await deps.functions.list({
          labels: labelFilter(query.label),
          limit: intParam(query.limit, 'limit', { min: 1, max: 500 }) ?? 50,
          after: query.after,
        });
        const visible = page.items.filter((fn) => inScope(principal?.functions, fn.name, fn.labels));
        ctx.body = { items: visible.map(functionView), next: page.next };
      },
    }),
    defineRoute({
      method: 'get', path: '/v1/functions/{name}', access: 'function:read', tag, summary: 'Read a function',
      params: name, target: byName,
      responses: { 200: { description: 'The function', schema: schemas.functionViewSchema } },
      async handler(ctx, { params }) {
        ctx.body = functionView(await deps.functions.get(params.name));
      },
    }),
    defineRoute({
      method: 'patch', path: '/v1/functions/{name}', access: 'function:update', tag,
      summary: 'Update a function; new code or run settings make a new version',
      params: name,
      query: waitQuery.extend({ activate: queryParam('false: build and warm the new version but keep the active one (for rollouts)') }),
      body: { schema: updateFunctionSchema, what: 'function update' },
      responses: {
        200: { description: 'Updated (and deployed, when a new version was made)', schema: schemas.deployedSchema },
        202: { description: 'A new version is deploying (`?wait=false`)', schema: schemas.deployedSchema },
      },
      target: byName,
      audit: { resource: 'function', name: ({ params }) => params.name },
      async handler(ctx, { params, query, body }) {
        const waited = wait(query);
        const activate = query.activate === undefined || boolParam(query.activate);
        const { fn, deployment } = await deps.deployer.update(params.name, body, waited, activate);
        ctx.status = deployment && !waited ? 202 : 200;
        ctx.body = { function: functionView(fn), deployment };
      },
    }),
    defineRoute({
      method: 'get', path: '/v1/functions/{name}/scaling', access: 'function:read', tag,
      summary: "The scaler's policy and its last decisions with their reasons",
      params: name, target: byName,
      responses: { 200: { description: 'Scaling state', schema: schemas.scalingViewSchema } },
      async handler(ctx, { params }) {
        const fn = await deps.functions.get(params.name);
        const status = await deps.scalers.status(fn.name);
        ctx.body = { function: fn.name, policy: fn.scaling ?? { module: 'kpa', params: {} }, running: status?.awake ?? false, decisions: status?.decisions ?? [] };
      },
    }),
    defineRoute({
      method: 'delete', path: '/v1/functions/{name}', access: 'function:delete', tag,
      summary: 'Stop accepting invocations, drain running ones, remove instances and code',
      params: name, query: waitQuery, target: byName,
      responses: { 204: { description: 'Deleted' }, 202: { description: 'Deleting (`?wait=false`)' } },
      audit: { resource: 'function', name: ({ params }) => params.name },
      async handler(ctx, { params, query }) {
        const waited = wait(query);
        await deps.deployer.delete(params.name, waited);
        ctx.status = waited ? 204 : 202;
      },
    }),
    defineRoute({
      method: 'get', path: '/v1/functions/{name}/versions', access: 'function:read', tag, summary: "A function's versions",
      params: name, target: byName,
      responses: { 200: { description: 'Every version', schema: schemas.versionListSchema } },
      async handler(ctx, { params }) {
        await deps.functions.get(params.name);
        ctx.body = { items: (await deps.functions.listVersions(params.name)).map(versionView) };
      },
    }),
    defineRoute({
      method: 'get', path: '/v1/functions/{name}/versions/{number}', access: 'function:read', tag, summary: 'One version',
      params: name.extend({ number: pathParam('The version number') }), target: byName,
      responses: { 200: { description: 'The version', schema: schemas.versionViewSchema } },
      async handler(ctx, { params }) {
        const number = intParam(params.number, 'version', { min: 1, max: 2 ** 31 - 1 })!;
        ctx.body = versionView(await deps.functions.getVersion(params.name, number));
      },
    }),
    defineRoute({
      method: 'get', path: '/v1/deployments/{id}', access: 'function:read', tag, summary: "A deployment's steps and status",
      params: z.object({ id: pathParam('deploy-<function>-v<n>') }),
      target: async ({ params }) => ({ name: (await deps.deployer.deployment(params.id)).functionName }),
      responses: { 200: { description: 'The deployment', schema: schemas.deploymentViewSchema } },
      async handler(ctx, { params }) {
        ctx.body = await deps.deployer.deployment(params.id);
      },
    }),
  ];
}
