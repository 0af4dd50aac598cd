import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import './zod-openapi';
import { PLATFORM_VERSION } from '../modules/model';
import type { RouteSpec } from './route';
import { errorBodySchema } from './schemas';

const ERRORS: Record<number, string> = {
  400: 'Invalid input (INVALID_INPUT, INVALID_JSON, …)',
  401: 'No credential, or a malformed, unknown, revoked or expired one (UNAUTHENTICATED, TOKEN_*)',
  403: 'The credential lacks the permission (NOT_ALLOWED) or the function is outside its scope (FUNCTION_NOT_IN_SCOPE)',
  404: 'Not found',
  429: 'Over the request rate (RATE_LIMITED, with Retry-After)',
};

/**
 * The OpenAPI 3.1 document of the route table: every route with its permission (in the
 * description and as `x-pyfaas-permission`), parameters, body and answers.
 */
export function openApiDocument(routes: RouteSpec[]): Record<string, unknown> {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http', scheme: 'bearer', description: 'A PyFaaS API token (pyf_…) or, under the jwt auth policy, a JWT',
  });
  for (const route of routes) {
    const guarded = route.access !== 'public';
    const responses: RouteConfig['responses'] = {};
    for (const [status, answer] of Object.entries(route.responses)) {
      responses[status] = { description: answer.description, ...(answer.schema ? { content: { 'application/json': { schema: answer.schema } } } : {}) };
    }
    for (const status of guarded ? [400, 401, 403, 404, 429] : [400, 429]) {
      responses[String(status)] ??= { description: ERRORS[status], content: { 'application/json': { schema: errorBodySchema } } };
    }
    const permission = route.access === 'authenticated' ? 'any valid credential' : route.access;
    registry.registerPath({
      method: route.method,
      path: route.path,
      summary: route.summary,
      description: [route.description, guarded ? `Needs: \`${permission}\`.` : 'Open to anonymous callers.'].filter(Boolean).join('\n\n'),
      tags: [route.tag],
      ...(guarded ? { security: [{ [bearer.name]: [] }] } : {}),
      request: {
        ...(route.params ? { params: route.params as never } : {}),
        ...(route.query ? { query: route.query as never } : {}),
        ...(route.body ? { body: { required: !route.body.anyJson, content: { 'application/json': { schema: route.body.schema } } } } : {}),
      },
      responses,
      'x-pyfaas-permission': route.access,
    } as RouteConfig);
  }
  const generator = new OpenApiGeneratorV31(registry.definitions);
  return generator.generateDocument({
    openapi: '3.1.0',
    info: { title: 'PyFaaS API', version: PLATFORM_VERSION, description: 'Manage and invoke functions. Every route names the permission it needs.' },
    servers: [{ url: '/' }],
  }) as unknown as Record<string, unknown>;
}
