// @ts-check
/**
 * Bearer JWTs from the organisation's identity provider, verified against its JWKS or one
 * configured public key, turned into principals (lib/claims.js) and cached by token hash.
 */
'use strict';

const { createHash } = require('node:crypto');
const { PrincipalCache } = require('./principal-cache');
const { createPrincipalOf } = require('./claims');
const { keyAlgorithms, toPublicKey } = require('./options');

/** @typedef {import('../../../modules/kit').ModuleKit} ModuleKit */
/** @typedef {import('../../../modules/auth/contract').AuthModule} AuthModule */
/** @typedef {import('../../../common/logger').Logger} Logger */
/** @typedef {import('./options').JwtOptions} JwtOptions */
/** @typedef {typeof import('jose')} Jose */
/** @typedef {import('jose').JWTPayload} JWTPayload */
/** @typedef {import('jose').JWTVerifyGetKey} JWTVerifyGetKey */
/** @typedef {import('jose').JWTVerifyOptions} JWTVerifyOptions */
/** @typedef {import('jose').KeyLike} KeyLike */

/** Three base64url parts; the signature may be empty only so that jose, not a regex, refuses `alg: none`. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
/** A cached principal outlives neither its token nor this: a role change at the IdP shows within it. */
const CACHE_MAX_MS = 5 * 60_000;
/** `iss` and `sub` make the principal's id; a JWT without `exp` would be a credential forever. */
const REQUIRED_CLAIMS = ['iss', 'sub', 'exp'];

/**
 * The auth module for options already parsed (lib/options.js). Its authenticate() answers
 * undefined without a bearer credential and throws the kit's Token*Error (401) for a refused
 * one, or UnavailableError (503) when the IdP's keys cannot be fetched.
 * @param {ModuleKit} kit
 * @param {JwtOptions} options
 * @param {Logger} logger
 * @returns {AuthModule}
 */
function createJwtAuth(kit, options, logger) {
  const jose = /** @type {Jose} */ (kit.require('jose'));
  const { TokenMalformedError } = kit.errors;
  const getKey = keySource(kit, jose, options, logger);
  /** @type {JWTVerifyOptions} */
  const verifyOptions = {
    issuer: options.issuer,
    audience: options.audience,
    algorithms: options.algorithms,
    clockTolerance: options.clockToleranceSeconds,
    requiredClaims: REQUIRED_CLAIMS,
  };
  const principalOf = createPrincipalOf(kit, options);
  const cache = new PrincipalCache(options.cacheMaxEntries);

  return {
    async authenticate(headers) {
      const token = kit.auth.bearerCredential(headers);
      if (token === undefined) return undefined;
      if (!JWT_SHAPE.test(token)) throw new TokenMalformedError('The bearer credential is not a JWT (three base64url parts).');
      const key = createHash('sha256').update(token).digest('hex');
      const cached = cache.get(key);
      if (cached) return cached;
      /** @type {JWTPayload} */
      let payload;
      try {
        payload = await verify(jose, token, getKey, verifyOptions);
      } catch (err) {
        throw refusal(kit, jose, err, options);
      }
      const principal = principalOf(payload);
      cache.set(key, principal, Math.min(/** @type {number} */ (payload.exp) * 1000, Date.now() + CACHE_MAX_MS));
      return principal;
    },
    invalidate: () => cache.clear(),
  };
}

/**
 * The keys tokens are checked against. jose's remote set caches the JWKS (10 min) and refetches
 * on an unknown kid (at most every 30 s); a fetch failure becomes UnavailableError, because an
 * unreachable or broken IdP is not the caller's fault.
 * @param {ModuleKit} kit
 * @param {Jose} jose
 * @param {JwtOptions} options
 * @param {Logger} logger
 * @returns {JWTVerifyGetKey}
 */
function keySource(kit, jose, options, logger) {
  const { TokenSignatureError, UnavailableError } = kit.errors;
  if (options.publicKey !== undefined) {
    const key = toPublicKey(options.publicKey);
    const usable = keyAlgorithms(key);
    return async (header) => {
      if (!usable.includes(header.alg ?? '')) throw new TokenSignatureError(`The JWT is signed with ${header.alg}, which the configured public key cannot verify.`);
      return key;
    };
  }
  const jwksUrl = /** @type {string} */ (options.jwksUrl); // the schema demands exactly one of the two
  const remote = jose.createRemoteJWKSet(new URL(jwksUrl));
  const { errors } = jose;
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (err) {
      // These say the token names no key the IdP publishes: the caller's problem, mapped later.
      if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys || err instanceof errors.JOSENotSupported) throw err;
      const why = reason(jose, err);
      logger.warn({ jwksUrl, reason: why }, "the identity provider's JWKS cannot be fetched");
      throw new UnavailableError(`The identity provider's keys at ${jwksUrl} cannot be fetched: ${why}.`, { jwksUrl });
    }
  };
}

/**
 * @param {Jose} jose
 * @param {string} token
 * @param {JWTVerifyGetKey} getKey
 * @param {JWTVerifyOptions} options
 * @returns {Promise<JWTPayload>}
 */
async function verify(jose, token, getKey, options) {
  const { errors } = jose;
  try {
    return (await jose.jwtVerify(token, getKey, options)).payload;
  } catch (err) {
    if (!(err instanceof errors.JWKSMultipleMatchingKeys)) throw err;
    // No kid, and the JWKS has several keys of the token's type (an IdP mid-rotation): try each.
    for await (const key of /** @type {AsyncIterable<KeyLike>} */ (/** @type {unknown} */ (err))) {
      try {
        return (await jose.jwtVerify(token, key, options)).payload;
      } catch (inner) {
        if (!(inner instanceof errors.JWSSignatureVerificationFailed)) throw inner;
      }
    }
    throw new errors.JWSSignatureVerificationFailed();
  }
}

/**
 * A jose failure as the typed error the API answers with; the platform's own errors (from the
 * key source) pass; an unknown error is returned as is (a 500: a bug or a key jose refuses).
 * @param {ModuleKit} kit
 * @param {Jose} jose
 * @param {unknown} err
 * @param {JwtOptions} options
 * @returns {unknown}
 */
function refusal(kit, jose, err, options) {
  const { errors } = jose;
  const { TokenExpiredError, TokenClaimsError, TokenSignatureError, TokenMalformedError, UnauthenticatedError, UnavailableError } = kit.errors;
  if (err instanceof UnauthenticatedError || err instanceof UnavailableError) return err;
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

/**
 * @param {Jose} jose
 * @param {unknown} err
 * @returns {string}
 */
function reason(jose, err) {
  if (err instanceof jose.errors.JOSEError) return err.message;
  const { code, message } = /** @type {NodeJS.ErrnoException} */ (err);
  return code ?? (message || String(err));
}

module.exports = { createJwtAuth };
