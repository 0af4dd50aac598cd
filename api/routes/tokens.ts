import { z } from 'zod';
import type { Principal } from '../../modules/auth/contract';
import type { AuthPolicy } from '../../modules/auth/policy';
import { createTokenSchema, tokenView, type TokenService } from '../../modules/auth/tokens';
import { boolParam } from '../body';
import { defineRoute, pathParam, queryParam, type RouteSpec } from '../route';
import * as schemas from '../schemas';

const tag = 'Auth';

function principalView(principal: Principal) {
  return {
    id: principal.id, name: principal.name, via: principal.via, role: principal.role,
    permissions: [...principal.permissions].sort(), functions: principal.functions ?? null,
    expiresAt: principal.expiresAt?.toISOString() ?? null,
  };
}

/**
 * API tokens (the `tokens` auth module): POST /v1/tokens (201: the token is shown this once),
 * GET /v1/tokens[?includeRevoked=true], GET /v1/tokens/{id}, DELETE /v1/tokens/{id} (revokes:
 * every process refuses it within one change-feed poll). GET /v1/whoami: the caller itself.
 */
export function tokenRoutes(deps: { tokens: TokenService; authPolicy: () => AuthPolicy }): RouteSpec[] {
  const id = z.object({ id: pathParam('The token id') });
  return [
    defineRoute({
      method: 'get', path: '/v1/whoami', access: 'authenticated', tag, summary: 'The caller: its role, permissions and scope',
      responses: { 200: { description: 'The principal', schema: schemas.principalViewSchema } },
      scopedMayList: true,
      handler(ctx, { principal }) {
        ctx.body = principalView(principal!);
      },
    }),
    defineRoute({
      method: 'post', path: '/v1/tokens', access: 'token:manage', tag, summary: 'Create an API token (shown once)',
      body: { schema: createTokenSchema, what: 'token' },
      responses: { 201: { description: 'Created: `token` is shown only here', schema: schemas.tokenCreatedSchema } },
      audit: { resource: 'token', name: ({ body }) => body?.name },
      async handler(ctx, { body, principal }) {
        const { token, record } = await deps.tokens.create(body, principal!.id, deps.authPolicy().tokens);
        ctx.status = 201;
        ctx.set('Location', `/v1/tokens/${record.id}`);
        ctx.body = { token, ...tokenView(record) };
      },
    }),
    defineRoute({
      method: 'get', path: '/v1/tokens', access: 'token:manage', tag, summary: 'List API tokens (never the tokens themselves)',
      query: z.object({ includeRevoked: queryParam('true: revoked tokens too') }),
      responses: { 200: { description: 'Tokens', schema: schemas.tokenListSchema } },
      async handler(ctx, { query }) {
        const includeRevoked = query.includeRevoked !== undefined && boolParam(query.includeRevoked);
        ctx.body = { items: (await deps.tokens.list({ includeRevoked })).map(tokenView) };
      },
    }),
    defineRoute({
      method: 'get', path: '/v1/tokens/{id}', access: 'token:manage', tag, summary: 'One API token',
      params: id,
      responses: { 200: { description: 'The token', schema: schemas.tokenViewSchema } },
      async handler(ctx, { params }) {
        ctx.body = tokenView(await deps.tokens.get(params.id));
      },
    }),
    defineRoute({
      method: 'delete', path: '/v1/tokens/{id}', access: 'token:manage', tag, summary: 'Revoke an API token, on every process',
      params: id,
      responses: { 204: { description: 'Revoked' } },
      audit: { resource: 'token', name: ({ params }) => params.id },
      async handler(ctx, { params }) {
        await deps.tokens.revoke(params.id);
        ctx.status = 204;
      },
    }),
  ];
}
