import Koa, { type Middleware } from 'koa';
import type { Logger } from '../common/logger';
import type { HttpMetrics } from '../modules/observability';
import { errorHandler } from './middleware/errors';
import { requestContext } from './middleware/request-context';
import { openApiDocument } from './openapi';
import { defineRoute, koaPath, type ApiState, type RouteSpec } from './route';
import { buildRouter, type RouteGuard } from './router';

export interface AppDeps {
  logger: Logger;
  /** The route table: every route the API answers (GET /openapi.json is added). */
  routes: RouteSpec[];
  guard: RouteGuard;
  bodyLimitBytes: number;
  /** Between the error middleware and the router (the Lambda API's door, api/routes/lambda-access.ts). */
  middleware?: Middleware<ApiState>[];
  /** Counts every request by route template and status (absent, or metrics off: nothing counted). */
  metrics?: HttpMetrics;
}

/** Composes the API: request context, the error middleware, then the router built from the route table. */
export function createApp(deps: AppDeps): Koa<ApiState> {
  const routes: RouteSpec[] = [...deps.routes, openApiRoute(() => routes)];
  const app = new Koa<ApiState>();
  app.proxy = false;
  app.silent = true;
  app.use(requestContext(deps.logger));
  if (deps.metrics) app.use(deps.metrics.middleware(routeTemplates(routes)));
  app.use(errorHandler());
  for (const middleware of deps.middleware ?? []) app.use(middleware);
  const router = buildRouter(routes, { guard: deps.guard, bodyLimitBytes: deps.bodyLimitBytes });
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}

/**
 * The router's matched layer path (what `buildRouter` registered: `match` or the Koa form of
 * the template) → the route's OpenAPI template, so a metric label is `/v1/functions/{name}`,
 * never a caller's raw path.
 */
function routeTemplates(routes: RouteSpec[]): (matched: unknown) => string | undefined {
  const templates = new Map<unknown, string>();
  for (const route of routes) templates.set(route.match ?? koaPath(route.path), route.path);
  return (matched) => templates.get(matched);
}

/** GET /openapi.json: the document of the whole table, built once on first request. */
function openApiRoute(all: () => RouteSpec[]): RouteSpec {
  let document: Record<string, unknown> | undefined;
  return defineRoute({
    method: 'get', path: '/openapi.json', access: 'public', tag: 'Health', summary: 'This API as an OpenAPI 3.1 document',
    responses: { 200: { description: 'The document' } },
    handler(ctx) {
      document ??= openApiDocument(all());
      ctx.body = document;
    },
  });
}
