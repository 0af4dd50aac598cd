import Koa from 'koa';
import type Router from '@koa/router';
import type { Logger } from '../common/logger';
import { errorHandler } from './middleware/errors';
import { requestContext, type RequestState } from './middleware/request-context';

export interface AppDeps {
  logger: Logger;
  routers: Router[];
}

/** Composes the API: request context, the error middleware, then every router. */
export function createApp(deps: AppDeps): Koa<RequestState> {
  const app = new Koa<RequestState>();
  app.proxy = false;
  app.silent = true;
  app.use(requestContext(deps.logger));
  app.use(errorHandler());
  for (const router of deps.routers) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  return app;
}
