/** The HTTP trigger's public face: the kind module, and the pure helpers the API's /t router uses. */
import { defineBuiltinModule } from '../../package';
import type { TriggerKind, TriggerKindFactory } from '../contract';
import { parseHttpConfig, type HttpTriggerConfig } from './config';
import { routeConflict } from './route';
import declaration from './http.module.json';

export { parseHttpConfig, type HttpTriggerConfig } from './config';
export { buildEvent, encodeBody, SECRET_HEADERS, type HttpRequestParts, type HttpTriggerEvent } from './event';
export { MethodNotAllowedError, RouteNotFoundError, TriggerPausedError } from './errors';
export { toHttpAnswer, errorAnswer, type HttpAnswer } from './response';
export { RouteCache, type RouteCacheDeps } from './route-cache';
export { RouteTable, type CompiledRoute, type RouteLookup } from './route-table';
export { HTTP_METHODS, publicPath, type HttpMethod, type RouteMethod } from './route';

const kind: TriggerKind<HttpTriggerConfig> = {
  kind: 'http',
  parseConfig: parseHttpConfig,
  conflict: (candidate, existing) => routeConflict(candidate.config, existing.config),
  needsApiKey: (config) => config.auth === 'api-key',
};

/**
 * `http`: a method and a path under `/t` (`GET /t/orders/{id}`) bound to a function, public or
 * behind the trigger's API key, answered with the function's result (sync) or a 202 with the
 * invocation id (async). The API's /t router (api/routes/http-triggers.ts) serves the routes;
 * nothing outside the meta store to apply.
 */
export const httpTrigger = defineBuiltinModule<TriggerKindFactory<HttpTriggerConfig>>(declaration, () => () => kind);
