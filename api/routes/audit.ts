import { auditQuerySchema, type AuditService } from '../../modules/meta/audit';
import { defineRoute, type RouteSpec } from '../route';
import * as schemas from '../schemas';

/** GET /v1/audit — every change made through the API, newest first, filtered and paginated. */
export function auditRoutes(deps: { audit: AuditService }): RouteSpec[] {
  return [
    defineRoute({
      method: 'get', path: '/v1/audit', access: 'audit:read', tag: 'Auth', summary: 'The audit trail: who changed what, when, with which outcome',
      query: auditQuerySchema,
      responses: { 200: { description: 'A page of audit events', schema: schemas.auditPageSchema } },
      async handler(ctx, { query }) {
        ctx.body = await deps.audit.list(query);
      },
    }),
  ];
}
