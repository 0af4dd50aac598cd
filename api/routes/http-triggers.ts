// SKELETON — the HTTP trigger helper replaces this file.
import Router from '@koa/router';
import type { Logger } from '../../common/logger';
import type { Invoker } from '../../modules/task/invoker';
import type { TriggerService } from '../../modules/trigger/service';

export interface HttpTriggerRouterDeps {
  triggers: TriggerService;
  invoker: Invoker;
  bodyLimitBytes: number;
  logger: Logger;
}

export function createHttpTriggerRouter(_deps: HttpTriggerRouterDeps): Router {
  return new Router();
}
