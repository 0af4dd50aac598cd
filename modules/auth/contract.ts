import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from '../../common/logger';
import type { ChangeFeed } from '../meta/revisions';
import type { MetaStore } from '../meta/store';
import type { Permission, RoleName } from './permissions';

/** Which functions a principal may act on: absent fields do not narrow. */
export interface FunctionScope {
  /** Function names, exactly. */
  names?: string[];
  /** A label selector: every pair must be on the function (`team=payments`). */
  labels?: Record<string, string>;
}

/** Requests per second for one principal, with a burst allowance (a token bucket). */
export interface RateLimit {
  requestsPerSecond: number;
  burst: number;
}

/** Who is calling, as an auth module established it. */
export interface Principal {
  /** Stable id, e.g. `token:<uuid>` or `jwt:<issuer>#<subject>`: invocations and audit entries name it. */
  id: string;
  /** What a person reads: the token's name, the JWT's subject. */
  name: string;
  /** The auth module that established it (`tokens`, `jwt`). */
  via: string;
  role: RoleName;
  /** The role's permissions, narrowed by the credential's own list when it has one. */
  permissions: ReadonlySet<Permission>;
  /** Absent: every function. */
  functions?: FunctionScope;
  expiresAt?: Date;
  /** This principal's own request rate, over the auth policy's default. */
  rateLimit?: RateLimit;
}

/**
 * The `auth` module kind: turns a request's headers into a principal. An implementation
 * never decides what a principal may do (that is `authorize`, the one place for it).
 */
export interface AuthModule {
  /**
   * The principal the headers prove, or undefined when they carry no credential this module
   * reads. Throws an UnauthenticatedError subclass (modules/auth/errors.ts) naming why a
   * presented credential is refused: malformed, unknown, revoked, expired, bad signature….
   */
  authenticate(headers: IncomingHttpHeaders): Promise<Principal | undefined>;
  /** Drops every cached answer (a token was revoked, the policy changed). */
  invalidate?(): void;
  /** Stops timers and flushes what it buffers. */
  close?(): Promise<void>;
}

/** What an auth module may use, given by the process that builds it. */
export interface AuthModuleDeps {
  store: MetaStore;
  /** Bump `auth` after changing credentials, so every process drops what it cached. */
  changes: ChangeFeed;
  logger: Logger;
}

/**
 * What a module of kind `auth` exports: a factory taking the options the auth policy gives
 * it (validated by the module; a bad option throws InputError) and the platform's deps.
 */
export type AuthModuleFactory = (options: Record<string, unknown>, deps: AuthModuleDeps) => AuthModule;

/** The bearer credential of `Authorization: Bearer <credential>`, if that is what the header holds. */
export function bearerCredential(headers: IncomingHttpHeaders): string | undefined {
  const header = headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer[ ]+(\S+)[ ]*$/i.exec(header);
  return match ? match[1] : undefined;
}
