import type { ProcessMetrics } from '../../modules/observability';
import { defineRoute, type RouteSpec } from '../route';

/**
 * GET /metrics: this process's metrics in the Prometheus text format, for callers with
 * `metrics:read` (admins, or a token narrowed to it for the Prometheus server). The
 * unauthenticated way is the separate metrics listener (PYFAAS_METRICS_PORT).
 */
export function metricsRoutes(metrics: ProcessMetrics | undefined): RouteSpec[] {
  if (!metrics) return [];
  return [
    defineRoute({
      method: 'get', path: '/metrics', access: 'metrics:read', tag: 'Health',
      summary: "This process's Prometheus metrics (text exposition format 0.0.4): FaaS, HTTP, Kafka bridge and Node's own",
      responses: { 200: { description: 'The metrics as text/plain; version=0.0.4' } },
      async handler(ctx) {
        const { contentType, body } = await metrics.render();
        ctx.type = contentType;
        ctx.body = body;
      },
    }),
  ];
}
