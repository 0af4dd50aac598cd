import { z } from 'zod';
import { InputError } from '../../common/errors';
import { ALIAS_NAME_RULE, putAliasSchema, type AliasRecord, type AliasService } from '../../modules/meta/aliases';
import { FUNCTION_NAME } from '../../modules/meta/function-input';
import { startRolloutSchema, type Rollouts } from '../../modules/meta/rollouts';
import { defineRoute, pathParam, queryParam, type RouteSpec } from '../route';
import * as schemas from '../schemas';

export interface AliasRoutesDeps {
  aliases: AliasService;
  rollouts: Rollouts;
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

const fnParam = z.object({ name: pathParam('The function name') });
const aliasParams = fnParam.extend({ alias: pathParam('The alias name') });
const byName = ({ params }: { params: { name: string } }) => ({ name: params.name });
const tag = 'Aliases and rollouts';

/**
 * Aliases: PUT /v1/functions/{name}/aliases/{alias} `{versions:[{version, weight}]}` (create or
 * replace, 200), GET the list or one, DELETE (204). An alias being rolled out may be changed
 * too: the rollout then stops and leaves it as set. Rollouts: POST /v1/functions/{name}/rollouts
 * (202 with the rollout id), GET /v1/rollouts/{id}[?runId=] (progress while it runs, result after).
 */
export function aliasRoutes(deps: AliasRoutesDeps): RouteSpec[] {
  return [
    defineRoute({
      method: 'put', path: '/v1/functions/{name}/aliases/{alias}', access: 'alias:write', tag, summary: 'Create or replace an alias',
      params: aliasParams, body: { schema: putAliasSchema, what: 'alias' }, target: byName,
      responses: { 200: { description: 'The alias', schema: schemas.aliasViewSchema } },
      audit: { resource: 'alias', name: ({ params }) => `${params.name}/${params.alias}` },
      async handler(ctx, { params, body }) {
        const { alias } = await deps.aliases.put(params.name, params.alias, body);
        ctx.body = aliasView(alias);
      },
    }),
    defineRoute({
      method: 'get', path: '/v1/functions/{name}/aliases', access: 'alias:read', tag, summary: "A function's aliases",
      params: fnParam, target: byName,
      responses: { 200: { description: 'Every alias', schema: schemas.aliasListSchema } },
      async handler(ctx, { params }) {
        ctx.body = { items: (await deps.aliases.list(params.name)).map(aliasView) };
      },
    }),
    defineRoute({
      method: 'get', path: '/v1/functions/{name}/aliases/{alias}', access: 'alias:read', tag, summary: 'One alias',
      params: aliasParams, target: byName,
      responses: { 200: { description: 'The alias', schema: schemas.aliasViewSchema } },
      async handler(ctx, { params }) {
        ctx.body = aliasView(await deps.aliases.get(params.name, params.alias));
      },
    }),
    defineRoute({
      method: 'delete', path: '/v1/functions/{name}/aliases/{alias}', access: 'alias:write', tag, summary: 'Delete an alias',
      params: aliasParams, target: byName,
      responses: { 204: { description: 'Deleted' } },
      audit: { resource: 'alias', name: ({ params }) => `${params.name}/${params.alias}` },
      async handler(ctx, { params }) {
        await deps.aliases.delete(params.name, params.alias);
        ctx.status = 204;
      },
    }),
    defineRoute({
      method: 'post', path: '/v1/functions/{name}/rollouts', access: 'rollout:write', tag, summary: 'Start a stepped rollout of an alias to a version',
      params: fnParam, body: { schema: startRolloutSchema, what: 'rollout' }, target: byName,
      responses: { 202: { description: 'Started', schema: schemas.rolloutStartedSchema } },
      audit: { resource: 'rollout', name: ({ params, body }) => (body ? `${params.name}/${body.alias}` : params.name) },
      async handler(ctx, { params, body }) {
        const { rolloutId, runId, input } = await deps.rollouts.start(params.name, body);
        ctx.status = 202;
        ctx.set('Location', `/v1/rollouts/${rolloutId}`);
        ctx.body = { rolloutId, runId, status: 'running', ...input };
      },
    }),
    defineRoute({
      method: 'get', path: '/v1/rollouts/{id}', access: 'rollout:read', tag, summary: "A rollout's progress, or its result once ended",
      params: z.object({ id: pathParam('rollout:<function>:<alias>') }),
      query: z.object({ runId: queryParam('A past run of the same rollout id') }),
      responses: { 200: { description: 'The rollout', schema: schemas.rolloutViewSchema } },
      target: ({ params }) => {
        const fn = /^rollout:([^:]+):/.exec(params.id)?.[1];
        return fn ? { name: fn } : undefined;
      },
      async handler(ctx, { params, query }) {
        ctx.body = await deps.rollouts.progress(params.id, query.runId || undefined);
      },
    }),
  ];
}
