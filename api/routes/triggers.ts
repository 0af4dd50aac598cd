import { z } from 'zod';
import { withinScope, type LabelLookup } from '../../modules/auth/authorize';
import type { Trigger } from '../../modules/trigger/contract';
import type { BridgeStatus } from '../../modules/trigger/kafka';
import { createTriggerSchema, updateTriggerSchema, type TriggerService } from '../../modules/trigger/service';
import { defineRoute, pathParam, queryParam, type RouteSpec } from '../route';
import * as schemas from '../schemas';

export interface TriggerRoutesDeps {
  triggers: TriggerService;
  /** The Kafka bridge in this process, if any: its live state is shown beside each Kafka trigger. */
  bridgeStatus?: () => BridgeStatus;
  labelsOf: LabelLookup;
}

const tag = 'Triggers';

/**
 * Triggers: POST /v1/triggers (201; an `apiKey` is returned once for kinds that need one),
 * GET /v1/triggers?kind=&function=, GET/PATCH/DELETE /v1/triggers/{name}, and
 * POST /v1/triggers/{name}/api-key (a new key; the old one stops working). A trigger acts on
 * its function: a principal scoped to functions manages only their triggers.
 */
export function triggerRoutes(deps: TriggerRoutesDeps): RouteSpec[] {
  const view = (trigger: Trigger) => {
    // Config fields the kind declares writeOnly (a webhook secret) are never shown.
    const { id: _id, apiKeyHash, functionName, ...rest } = deps.triggers.redact(trigger);
    const live = trigger.kind === 'kafka' ? deps.bridgeStatus?.().triggers.find((t) => t.id === trigger.name) : undefined;
    return { ...rest, function: functionName, requiresApiKey: Boolean(apiKeyHash), ...(live ? { bridge: live } : {}) };
  };
  const name = z.object({ name: pathParam('The trigger name') });
  const itsFunction = async ({ params }: { params: { name: string } }) => ({ name: (await deps.triggers.get(params.name)).functionName });
  const audit = { resource: 'trigger', name: ({ params }: { params: { name: string } }) => params.name };

  return [
    defineRoute({
      method: 'post', path: '/v1/triggers', access: 'trigger:write', tag, summary: 'Create a trigger (http, kafka, schedule, or an installed kind)',
      body: { schema: createTriggerSchema, what: 'trigger' },
      responses: { 201: { description: 'Created; `apiKey` is shown only here', schema: schemas.triggerCreatedSchema } },
      target: ({ body }) => ({ name: body.function }),
      audit: { resource: 'trigger', name: ({ body }) => body?.name },
      async handler(ctx, { body }) {
        const { trigger, apiKey } = await deps.triggers.create(body);
        ctx.status = 201;
        ctx.set('Location', `/v1/triggers/${trigger.name}`);
        ctx.body = { trigger: view(trigger), ...(apiKey ? { apiKey } : {}) };
      },
    }),
    defineRoute({
      method: 'get', path: '/v1/triggers', access: 'trigger:read', tag, summary: 'List triggers',
      query: z.object({ kind: queryParam('Only this kind'), function: queryParam('Only this function') }),
      responses: { 200: { description: 'Every matching trigger', schema: schemas.triggerListSchema } },
      scopedMayList: true,
      async handler(ctx, { query, principal }) {
        const items = await deps.triggers.list({ kind: query.kind, functionName: query.function });
        const visible = await Promise.all(items.map((t) => withinScope(principal, { name: t.functionName }, deps.labelsOf)));
        ctx.body = { items: items.filter((_, i) => visible[i]).map(view) };
      },
    }),
    defineRoute({
      method: 'get', path: '/v1/triggers/{name}', access: 'trigger:read', tag, summary: 'Read a trigger with what its outside system says (schedule runs, bridge counts)',
      params: name, target: itsFunction,
      responses: { 200: { description: 'The trigger', schema: schemas.triggerViewSchema } },
      async handler(ctx, { params }) {
        const { trigger, live } = await deps.triggers.describe(params.name);
        ctx.body = { ...view(trigger), ...live };
      },
    }),
    defineRoute({
      method: 'patch', path: '/v1/triggers/{name}', access: 'trigger:write', tag, summary: 'Change, pause or resume a trigger',
      params: name, body: { schema: updateTriggerSchema, what: 'trigger update' }, target: itsFunction, audit,
      responses: { 200: { description: 'The trigger', schema: schemas.triggerViewSchema } },
      async handler(ctx, { params, body }) {
        ctx.body = view(await deps.triggers.update(params.name, body));
      },
    }),
    defineRoute({
      method: 'delete', path: '/v1/triggers/{name}', access: 'trigger:write', tag, summary: 'Remove a trigger',
      params: name, target: itsFunction, audit,
      responses: { 204: { description: 'Removed' } },
      async handler(ctx, { params }) {
        await deps.triggers.delete(params.name);
        ctx.status = 204;
      },
    }),
    defineRoute({
      method: 'post', path: '/v1/triggers/{name}/api-key', access: 'trigger:write', tag, summary: 'Issue a new API key; the old one stops working',
      params: name, target: itsFunction, audit,
      responses: { 200: { description: 'The new key, shown once', schema: schemas.apiKeySchema } },
      async handler(ctx, { params }) {
        ctx.body = { apiKey: await deps.triggers.rotateApiKey(params.name) };
      },
    }),
  ];
}
