import type { Readiness } from '../../process/readiness';
import { defineRoute, type RouteSpec } from '../route';
import * as schemas from '../schemas';

/**
 * GET /healthz: the process is alive (open to all). GET /readyz: every dependency answers
 * (503 if not); only callers with a valid credential see which check failed and why.
 */
export function healthRoutes(readiness: Readiness): RouteSpec[] {
  return [
    defineRoute({
      method: 'get', path: '/healthz', access: 'public', tag: 'Health', summary: 'Liveness',
      responses: { 200: { description: 'Alive', schema: schemas.healthSchema } },
      handler(ctx) {
        ctx.body = { status: 'ok' };
      },
    }),
    defineRoute({
      method: 'get', path: '/readyz', access: 'public', tag: 'Health', summary: 'Readiness of Temporal, Kafka, the database and, under npm start, the supervised services (details with a token)',
      responses: { 200: { description: 'Ready', schema: schemas.readinessSchema }, 503: { description: 'A dependency failed', schema: schemas.readinessSchema } },
      async handler(ctx, { principal }) {
        const report = await readiness.report();
        ctx.status = report.status === 'ok' ? 200 : 503;
        ctx.body = principal ? report : { status: report.status };
      },
    }),
  ];
}
