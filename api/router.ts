import Router from '@koa/router';
import { isPyFaaSError } from '../common/errors';
import { parseInput } from '../common/validation';
import { authorize, authorizeFunction, authorizeUnscoped, type LabelLookup } from '../modules/auth/authorize';
import type { Principal } from '../modules/auth/contract';
import type { AuditEntry } from '../modules/meta/audit';
import { readJson } from './body';
import { koaPath, type ApiContext, type ApiState, type RouteInput, type RouteSpec } from './route';

/** What the router needs to guard the routes it builds. */
export interface RouteGuard {
  /** The caller the request's credential proves; throws an UnauthenticatedError for a bad one. */
  authenticate(ctx: ApiContext): Promise<Principal | undefined>;
  /** Throws RateLimitedError when the caller (a principal, else the client address) is over its rate. */
  admit(ctx: ApiContext, principal: Principal | undefined): void;
  labelsOf: LabelLookup;
  /** Records a change; never throws (a failure to record is logged). */
  audit(entry: AuditEntry): Promise<void>;
}

export interface RouterDeps {
  guard: RouteGuard;
  bodyLimitBytes: number;
}

/**
 * Builds the Koa router from the route table. For each request, in order: authenticate (401
 * before any body is read; refused credentials count against the client address's rate),
 * rate limit (429), check the permission (403), read and validate params, query and body
 * (400/413), check the function scope (403), run the handler, and audit the outcome of every
 * route that declares `audit` (denials included).
 */
export function buildRouter(routes: RouteSpec[], deps: RouterDeps): Router<ApiState> {
  const router = new Router<ApiState>();
  for (const route of routes) {
    const handle = routeMiddleware(route, deps);
    router[route.method](route.match ?? koaPath(route.path), handle);
  }
  return router;
}

function routeMiddleware(route: RouteSpec, deps: RouterDeps) {
  const { guard } = deps;
  return async (ctx: ApiContext) => {
    let principal: Principal | undefined;
    let input: RouteInput<any, any, any> | undefined;
    try {
      principal = await guard.authenticate(ctx).catch((err: unknown) => {
        // A refused credential counts against the client address's anonymous rate, so
        // spraying made-up tokens is limited like any anonymous caller.
        if (route.access === 'public') return undefined; // admitted below as anonymous
        guard.admit(ctx, undefined);
        throw err;
      });
      ctx.state.principal = principal;
      guard.admit(ctx, principal);
      if (route.access !== 'public') {
        const checked = await authorize(principal, route.access === 'authenticated' ? undefined : route.access, undefined, guard.labelsOf);
        input = await readInput(ctx, route, deps.bodyLimitBytes, checked);
        const target = await route.target?.(input);
        if (target) await authorizeFunction(checked, target, guard.labelsOf);
        else if (!route.scopedMayList) authorizeUnscoped(checked);
      } else {
        input = await readInput(ctx, route, deps.bodyLimitBytes, principal);
      }
      await route.handler(ctx, input);
    } catch (err) {
      if (route.audit && principal) await guard.audit(auditEntry(ctx, route, principal, input, err));
      throw err;
    }
    if (route.audit && principal) await guard.audit(auditEntry(ctx, route, principal, input, undefined));
  };
}

async function readInput(ctx: ApiContext, route: RouteSpec, bodyLimitBytes: number, principal: Principal | undefined): Promise<RouteInput<any, any, any>> {
  // A `match` route's params are positional captures: its template documents them, its handler reads the path.
  const params = route.params && !route.match ? parseInput(route.params, ctx.params ?? {}, 'path') : {};
  const query = route.query ? parseInput(route.query, ctx.query, 'query') : {};
  let body: unknown;
  if (route.body) {
    const json = await readJson(ctx, bodyLimitBytes);
    if (!route.body.anyJson) parseInput(route.body.schema, json, route.body.what);
    body = json;
  }
  return { params, query, body, principal };
}

function auditEntry(ctx: ApiContext, route: RouteSpec, principal: Principal, input: RouteInput<any, any, any> | undefined, err: unknown): AuditEntry {
  const failed = err !== undefined;
  const status = failed ? (isPyFaaSError(err) ? err.status : 500) : ctx.status;
  // Refused before its input was read (403): the path still names what it was aimed at.
  const name = route.audit?.name?.(input ?? { params: ctx.params ?? {}, query: ctx.query, body: undefined, principal });
  return {
    principal,
    action: route.access,
    method: route.method.toUpperCase(),
    route: route.path,
    resourceType: route.audit!.resource,
    resourceName: name,
    requestId: ctx.state.requestId,
    outcome: !failed ? 'succeeded' : status === 403 ? 'denied' : 'failed',
    status,
    errorCode: failed ? (isPyFaaSError(err) ? err.code : 'INTERNAL') : undefined,
  };
}

