import type { ParameterizedContext } from 'koa';
import { z } from 'zod';
import type { FunctionTarget } from '../modules/auth/authorize';
import type { Principal } from '../modules/auth/contract';
import type { Permission } from '../modules/auth/permissions';
import type { RequestState } from './middleware/request-context';

/**
 * Who may call a route: a permission (the token's role, narrowed, must hold it), any valid
 * credential (`authenticated`), or anyone (`public`: the route may still read a credential,
 * e.g. /readyz shows details to callers that have one).
 */
export type Access = Permission | 'authenticated' | 'public';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete' | 'options';

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  /**
   * The JSON body as the client sent it, once it validated against the route's schema: the
   * service it goes to parses it itself (defaults, transforms), so it is parsed there once.
   */
  body: B;
  /** The caller; undefined only on public routes. */
  principal: Principal | undefined;
}

export interface ApiState extends RequestState {
  principal?: Principal;
}

export type ApiContext = ParameterizedContext<ApiState>;

export interface ResponseSpec {
  description: string;
  /** JSON body; absent for empty answers (204) or non-JSON ones. */
  schema?: z.ZodTypeAny;
}

/** How a JSON request body is read: its schema and the noun its errors name (`Invalid function: …`). */
export interface BodySpec<B extends z.ZodTypeAny> {
  schema: B;
  what: string;
  /** The body may be any JSON (an invocation's event): read, never validated beyond being JSON. */
  anyJson?: boolean;
}

/**
 * One API route, declared once: the router, the permission check, request validation, the
 * audit entry and the OpenAPI document all come from this (STYLE §15).
 */
export interface RouteSpec<P extends z.ZodTypeAny = z.ZodTypeAny, Q extends z.ZodTypeAny = z.ZodTypeAny, B extends z.ZodTypeAny = z.ZodTypeAny> {
  method: HttpMethod;
  /** OpenAPI template: `/v1/functions/{name}`. */
  path: string;
  access: Access;
  summary: string;
  description?: string;
  /** The OpenAPI tag (the resource family). */
  tag: string;
  params?: P;
  query?: Q;
  body?: BodySpec<B>;
  /** Read the raw request (HTTP triggers): the router reads no body. */
  rawBody?: boolean;
  responses: Record<number, ResponseSpec>;
  /** The one function the route acts on: a principal scoped to functions must have it in scope. */
  target?(input: RouteInput<z.output<P>, z.output<Q>, z.input<B>>): FunctionTarget | undefined | Promise<FunctionTarget | undefined>;
  /**
   * A principal scoped to functions may call this route though it names no single function
   * (the handler narrows what it shows, e.g. to the caller's own invocations).
   */
  scopedMayList?: boolean;
  /** Changes are audited: which kind of resource, and its name when the route names one. */
  audit?: { resource: string; name?(input: RouteInput<z.output<P>, z.output<Q>, z.input<B>>): string | undefined };
  /** A path Koa matches instead of the template (HTTP triggers: `/t` and everything below). */
  match?: RegExp;
  handler(ctx: ApiContext, input: RouteInput<z.output<P>, z.output<Q>, z.input<B>>): unknown;
}

/** Declares a route, inferring its input types from its schemas. */
export function defineRoute<P extends z.ZodTypeAny = z.ZodObject<{}>, Q extends z.ZodTypeAny = z.ZodObject<{}>, B extends z.ZodTypeAny = z.ZodUndefined>(
  spec: RouteSpec<P, Q, B>,
): RouteSpec {
  return spec as unknown as RouteSpec;
}

/** A path parameter: a string, described for the document. */
export const pathParam = (description: string) => z.string().min(1).describe(description);

/** An optional query parameter, as Koa gives it (the handler converts it). */
export const queryParam = (description: string) => z.string().optional().describe(description);

/** `/v1/functions/{name}` → `/v1/functions/:name` (Koa's form). */
export function koaPath(template: string): string {
  return template.replace(/\{([A-Za-z0-9_]+)\+?\}/g, ':$1');
}
