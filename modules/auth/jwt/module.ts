/**
 * `jwt`: bearer JWTs from the organisation's identity provider, verified against its JWKS or
 * one configured public key; the role, permissions and function scope come from claims.
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions, type KeyLike } from 'jose';
import { PyFaaSError, UnavailableError } from '../../../common/errors';
import { defineModule } from '../../model';
import { bearerCredential, type AuthModule, type AuthModuleFactory, type FunctionScope, type Principal } from '../contract';
import { TokenClaimsError, TokenExpiredError, TokenMalformedError, TokenSignatureError } from '../errors';
import { isRoleName, ROLE_NAMES, ROLE_PERMISSIONS, type Permission, type RoleName } from '../permissions';
import { keyAlgorithms, parseJwtOptions, toPublicKey, type JwtOptions } from './options';

/** Three base64url parts; the signature may be empty only so that jose, not a regex, refuses `alg: none`. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
/** A cached principal outlives neither its token nor this: a role change at the IdP shows within it. */
const CACHE_MAX_MS = 5 * 60_000;
/** `iss` and `sub` make the principal's id; a JWT without `exp` would be a credential forever. */
const REQUIRED_CLAIMS = ['iss', 'sub', 'exp'];

/** Builds the module; throws InputError naming every bad option. */
export function createJwtAuth(rawOptions: unknown): AuthModule {
  const options = parseJwtOptions(rawOptions);
  const getKey = keySource(options);
  const verifyOptions: JWTVerifyOptions = {
    issuer: options.issuer,
    audience: options.audience,
    algorithms: options.algorithms,
    clockTolerance: options.clockToleranceSeconds,
    requiredClaims: REQUIRED_CLAIMS,
  };
  const cache = new PrincipalCache(options.cacheMaxEntries);

  return {
    async authenticate(headers: IncomingHttpHeaders): Promise<Principal | undefined> {
      const token = bearerCredential(headers);
      if (token === undefined) return undefined;
      if (!JWT_SHAPE.test(token)) throw new TokenMalformedError('The bearer credential is not a JWT (three base64url parts).');
      const key = createHash('sha256').update(token).digest('hex');
      const cached = cache.get(key);
      if (cached) return cached;
      let payload: JWTPayload;
      try {
        payload = await verify(token, getKey, verifyOptions);
      } catch (err) {
        throw refusal(err, options);
      }
      const principal = principalOf(payload, options);
      cache.set(key, principal, Math.min((payload.exp as number) * 1000, Date.now() + CACHE_MAX_MS));
      return principal;
    },
    invalidate: () => cache.clear(),
  };
}

/**
 * The keys tokens are checked against. jose's remote set caches the JWKS (10 min) and refetches
 * on an unknown kid (at most every 30 s); a fetch failure becomes UnavailableError, because an
 * unreachable or broken IdP is not the caller's fault.
 */
function keySource(options: JwtOptions): JWTVerifyGetKey {
  if (options.publicKey !== undefined) {
    const key = toPublicKey(options.publicKey);
    const usable: readonly string[] = keyAlgorithms(key);
    return async (header) => {
      if (!usable.includes(header.alg)) throw new TokenSignatureError(`The JWT is signed with ${header.alg}, which the configured public key cannot verify.`);
      return key;
    };
  }
  const jwksUrl = options.jwksUrl as string; // the schema demands exactly one of the two
  const remote = createRemoteJWKSet(new URL(jwksUrl));
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (err) {
      // These say the token names no key the IdP publishes: the caller's problem, mapped later.
      if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys || err instanceof errors.JOSENotSupported) throw err;
      throw new UnavailableError(`The identity provider's keys at ${jwksUrl} cannot be fetched: ${reason(err)}.`, { jwksUrl });
    }
  };
}

async function verify(token: string, getKey: JWTVerifyGetKey, options: JWTVerifyOptions): Promise<JWTPayload> {
  try {
    return (await jwtVerify(token, getKey, options)).payload;
  } catch (err) {
    if (!(err instanceof errors.JWKSMultipleMatchingKeys)) throw err;
    // No kid, and the JWKS has several keys of the token's type (an IdP mid-rotation): try each.
    for await (const key of err as AsyncIterable<KeyLike>) {
      try {
        return (await jwtVerify(token, key, options)).payload;
      } catch (inner) {
        if (!(inner instanceof errors.JWSSignatureVerificationFailed)) throw inner;
      }
    }
    throw new errors.JWSSignatureVerificationFailed();
  }
}

/** A jose failure as the typed error the API answers with; an unknown error is rethrown (a 500: a bug or a key jose refuses). */
function refusal(err: unknown, options: JwtOptions): unknown {
  if (err instanceof PyFaaSError) return err;
  if (err instanceof errors.JWTExpired) return new TokenExpiredError('The JWT has expired.');
  if (err instanceof errors.JWTClaimValidationFailed) {
    const why = err.reason === 'missing' ? 'is missing' : err.reason === 'invalid' ? 'is not valid' : err.claim === 'nbf' ? 'says it is not valid yet' : 'is not one this platform accepts';
    return new TokenClaimsError(`The JWT's "${err.claim}" claim ${why}.`, { claim: err.claim });
  }
  if (err instanceof errors.JOSEAlgNotAllowed) {
    return new TokenSignatureError(`The JWT's algorithm is not accepted here; accepted: ${options.algorithms.join(', ')}.`);
  }
  if (err instanceof errors.JWSSignatureVerificationFailed || err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) {
    return new TokenSignatureError("The JWT's signature does not verify against the identity provider's keys.");
  }
  if (err instanceof errors.JOSEError) return new TokenMalformedError(`The bearer credential is not a well-formed JWT: ${err.message}.`);
  return err;
}

function reason(err: unknown): string {
  if (err instanceof errors.JOSEError) return err.message;
  const { code, message } = err as NodeJS.ErrnoException;
  return code ?? (message || String(err));
}

function principalOf(payload: JWTPayload, options: JwtOptions): Principal {
  const { iss, sub } = payload;
  if (typeof iss !== 'string' || typeof sub !== 'string') throw new TokenClaimsError('The JWT\'s "iss" and "sub" claims must be strings.', { claim: typeof iss !== 'string' ? 'iss' : 'sub' });
  const name = claim(payload, options.nameClaim);
  const role = roleOf(claim(payload, options.roleClaim), options);
  const functions = scopeOf(payload, options);
  return Object.freeze({
    id: `jwt:${iss}#${sub}`,
    name: typeof name === 'string' && name !== '' ? name : sub,
    via: 'jwt',
    role,
    permissions: permissionsOf(role, claim(payload, options.scopeClaim), options.scopeClaim),
    ...(functions ? { functions } : {}),
    expiresAt: new Date((payload.exp as number) * 1000),
  });
}

/**
 * A claim by name, or else by dotted path (`realm_access.role`): the whole name first, so that
 * namespaced claims such as `https://example.com/role` keep their dots. Own properties only.
 */
function claim(payload: JWTPayload, name: string): unknown {
  if (Object.hasOwn(payload, name)) return payload[name];
  let value: unknown = payload;
  for (const part of name.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/**
 * The role the claim names (through roleMap when there is one). An array claim (Keycloak's
 * roles) may name several: the first in ROLE_NAMES wins, as the IdP granted them all. Throws
 * TokenClaimsError when the claim is absent without a defaultRole, or names no role.
 */
function roleOf(value: unknown, options: JwtOptions): RoleName {
  const { roleClaim, roleMap, defaultRole } = options;
  if (value === undefined || value === null) {
    if (defaultRole) return defaultRole;
    throw new TokenClaimsError(`The JWT has no "${roleClaim}" claim, and the auth policy sets no defaultRole.`, { claim: roleClaim });
  }
  const values = typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  const named = values.map((v) => (roleMap ? (Object.hasOwn(roleMap, v) ? roleMap[v] : undefined) : isRoleName(v) ? v : undefined));
  const role = ROLE_NAMES.find((r) => named.includes(r));
  if (!role) throw new TokenClaimsError(`The JWT's "${roleClaim}" claim names no PyFaaS role${roleMap ? ' in the roleMap' : ` (${ROLE_NAMES.join(', ')})`}.`, { claim: roleClaim });
  return role;
}

/** The role's permissions, narrowed to those the scope claim lists (unknown strings ignored): never wider. */
function permissionsOf(role: RoleName, value: unknown, scopeClaim: string): ReadonlySet<Permission> {
  const granted = ROLE_PERMISSIONS[role];
  if (value === undefined || value === null) return new Set(granted);
  let listed: unknown[];
  if (typeof value === 'string') listed = value.split(' ');
  else if (Array.isArray(value)) listed = value;
  // Ignoring a claim of another shape would widen what the IdP meant to narrow.
  else throw new TokenClaimsError(`The JWT's "${scopeClaim}" claim must be a space-separated string or an array of strings.`, { claim: scopeClaim });
  return new Set(granted.filter((permission) => listed.includes(permission)));
}

/** Throws TokenClaimsError for a functions or labels claim of the wrong shape (ignoring it would widen the scope). */
function scopeOf(payload: JWTPayload, options: JwtOptions): FunctionScope | undefined {
  const names = claim(payload, options.functionsClaim);
  const labels = claim(payload, options.labelsClaim);
  const scope: FunctionScope = {};
  if (names !== undefined && names !== null) {
    if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) {
      throw new TokenClaimsError(`The JWT's "${options.functionsClaim}" claim must be an array of function names.`, { claim: options.functionsClaim });
    }
    scope.names = [...names];
  }
  if (labels !== undefined && labels !== null) {
    if (typeof labels !== 'object' || Array.isArray(labels) || !Object.values(labels).every((v) => typeof v === 'string')) {
      throw new TokenClaimsError(`The JWT's "${options.labelsClaim}" claim must be an object of string labels.`, { claim: options.labelsClaim });
    }
    scope.labels = { ...(labels as Record<string, string>) };
  }
  return scope.names || scope.labels ? Object.freeze(scope) : undefined;
}

/** Verified principals by token hash, each until its deadline; at capacity the oldest goes. */
class PrincipalCache {
  private readonly entries = new Map<string, { principal: Principal; until: number }>();

  constructor(private readonly maxEntries: number) {}

  get(key: string): Principal | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until > Date.now()) return entry.principal;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, principal: Principal, until: number): void {
    if (this.maxEntries === 0 || until <= Date.now()) return;
    this.entries.delete(key);
    while (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { principal, until });
  }

  clear(): void {
    this.entries.clear();
  }
}

const factory: AuthModuleFactory = (options) => createJwtAuth(options);

export const jwtAuth = defineModule<AuthModuleFactory>(
  { kind: 'auth', id: 'jwt', version: '1.0.0', platform: '^0.1.0', description: "Bearer JWTs from an identity provider, verified against its JWKS or a public key; role and scopes from claims" },
  () => factory,
);
