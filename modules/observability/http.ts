import type { Middleware } from 'koa';
import { Counter, Histogram, type Registry } from 'prom-client';
import { httpMethod } from './labels';

/** The route label of a request no route matched (scanners' made-up paths all land here). */
export const UNMATCHED_ROUTE = 'unmatched';

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * `pyfaas_http_requests_total{method,route,status}` and `pyfaas_http_request_duration_seconds{method,route}`.
 * The route is the template from the route table (`/v1/functions/{name}`), never the raw path,
 * and the method is one of the standard ones: a caller cannot add series.
 */
export class HttpMetrics {
  private readonly requests: Counter;
  private readonly duration: Histogram;

  /** `recording`: whether to count now (see ProcessMetrics.recording). */
  constructor(registry: Registry, private readonly recording: () => boolean = () => true) {
    const registers = [registry];
    this.requests = new Counter({ name: 'pyfaas_http_requests_total', help: 'API requests answered, by route template and status', labelNames: ['method', 'route', 'status'], registers });
    this.duration = new Histogram({ name: 'pyfaas_http_request_duration_seconds', help: 'Time to answer an API request, by route template', labelNames: ['method', 'route'], buckets: BUCKETS, registers });
  }

  /**
   * The Koa middleware: outermost but for the request context, so it sees the status the
   * error middleware answered with. `templateOf` turns the router's matched layer path
   * (`ctx._matchedRoute`) into the route's template.
   */
  middleware(templateOf: (matched: unknown) => string | undefined): Middleware {
    return async (ctx, next) => {
      if (!this.recording()) return next();
      const started = performance.now();
      try {
        await next();
      } finally {
        const route = templateOf((ctx as unknown as { _matchedRoute?: unknown })._matchedRoute) ?? UNMATCHED_ROUTE;
        const method = httpMethod(ctx.method);
        this.requests.inc({ method, route, status: String(ctx.status) });
        this.duration.observe({ method, route }, (performance.now() - started) / 1000);
      }
    };
  }
}
