import Koa, { type Middleware } from 'koa';
import type { Logger } from '../common/logger';
import { errorHandler } from './middleware/errors';
import { requestContext } from './middleware/request-context';
import { openApiDocument } from './openapi';
import { defineRoute, type ApiState, type RouteSpec } from './route';
import { buildRouter, type RouteGuard } from './router';

export interface AppDeps {
  logger: Logger;
  /** The route table: every route the API answers (GET /openapi.json is added). */
  routes: RouteSpec[];
  guard: RouteGuard;
  bodyLimitBytes: number;
  /** Between the error middleware and the router (the Lambda API's door, api/routes/lambda-access.ts). */
  middleware?: Middleware<ApiState>[];
}

/** Composes the API: request context, the error middleware, then the router built from the route table. */
export function createApp(deps: AppDeps): Koa<ApiState> {
  const routes: RouteSpec[] = [...deps.routes, openApiRoute(() => routes)];
  const app = new Koa<ApiState>();
  app.proxy = false;
  app.silent = true;
  app.use(requestContext(deps.logger));
  app.use(errorHandler());
  for (const middleware of deps.middleware ?? []) app.use(middleware);
  const router = buildRouter(routes, { guard: deps.guard, bodyLimitBytes: deps.bodyLimitBytes });
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
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
