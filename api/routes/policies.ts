import { z } from 'zod';
import type { PolicyService } from '../../modules/meta/policies';
import { defineRoute, pathParam, type RouteSpec } from '../route';
import * as schemas from '../schemas';

/**
 * Platform policies: GET /v1/policies (the kinds), GET /v1/policies/{kind} (the document in
 * force, defaults filled in), PUT /v1/policies/{kind} (validated, stored, audited, applied on
 * every process without a restart).
 */
export function policyRoutes(deps: { policies: PolicyService }): RouteSpec[] {
  const kind = z.object({ kind: pathParam('The policy kind, e.g. auth') });
  const tag = 'Policies';
  return [
    defineRoute({
      method: 'get', path: '/v1/policies', access: 'policy:read', tag, summary: 'Every policy in force',
      responses: { 200: { description: 'Policies', schema: schemas.policyListSchema } },
      async handler(ctx) {
        ctx.body = { items: await Promise.all(deps.policies.kindNames().map((name) => deps.policies.get(name))) };
      },
    }),
    defineRoute({
      method: 'get', path: '/v1/policies/{kind}', access: 'policy:read', tag, summary: 'One policy',
      params: kind,
      responses: { 200: { description: 'The policy', schema: schemas.policyViewSchema } },
      async handler(ctx, { params }) {
        ctx.body = await deps.policies.get(params.kind);
      },
    }),
    defineRoute({
      method: 'put', path: '/v1/policies/{kind}', access: 'policy:write', tag, summary: 'Replace a policy (applies without a restart)',
      params: kind, body: { schema: z.record(z.unknown()).describe("The policy document; the kind's schema validates it"), what: 'policy' },
      responses: { 200: { description: 'The policy now in force', schema: schemas.policyViewSchema } },
      audit: { resource: 'policy', name: ({ params }) => params.kind },
      async handler(ctx, { params, body, principal }) {
        ctx.body = await deps.policies.put(params.kind, body, principal!.id);
      },
    }),
  ];
}
