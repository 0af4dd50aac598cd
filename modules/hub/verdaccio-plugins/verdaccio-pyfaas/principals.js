// @ts-check
'use strict';

const { createHash, timingSafeEqual } = require('node:crypto');

/**
 * @typedef {{ name: string, groups: string[] }} HubUser
 * @typedef {{ apiUrl: string, platformToken?: string, cacheTtlMs?: number, maxCached?: number, timeoutMs?: number }} PrincipalOptions
 */

/** The group that carries the PyFaaS `module:publish` permission (publish, unpublish, deprecate). */
const PUBLISH_GROUP = 'pyfaas:module:publish';
/** The platform's own read-only account (HubClient): no role, no permission, only `$authenticated`. */
const PLATFORM_USER = 'pyfaas-platform';
/** What a bearer may look like before it is sent anywhere: a pyf_ token or a JWT, nothing with spaces or controls. */
const TOKEN_SHAPE = /^[A-Za-z0-9._~+/=-]{8,4096}$/;

class ApiUnavailableError extends Error {}

/**
 * Turns a bearer into the hub user it stands for by asking the PyFaaS API (`GET /v1/whoami`
 * with that bearer). Answers, unknown tokens included, are kept `cacheTtlMs` (a few seconds:
 * a revoked token stops working that fast), at most `maxCached` of them; concurrent lookups
 * of one token share one request. `resolve` resolves null for a token the API refuses and
 * rejects with ApiUnavailableError when the API does not answer.
 */
class Principals {
  /** @param {PrincipalOptions} options */
  constructor(options) {
    if (!/^https?:\/\/[^\s/]+$/.test(options.apiUrl)) throw new Error(`verdaccio-pyfaas: apiUrl must be http(s)://host:port, got ${JSON.stringify(options.apiUrl)}`);
    this.apiUrl = options.apiUrl;
    this.platformToken = options.platformToken ? Buffer.from(options.platformToken) : undefined;
    this.ttlMs = options.cacheTtlMs ?? 5000;
    this.maxCached = options.maxCached ?? 1000;
    this.timeoutMs = options.timeoutMs ?? 3000;
    /** @type {Map<string, { at: number, user: HubUser | null }>} */
    this.cache = new Map();
    /** @type {Map<string, Promise<HubUser | null>>} */
    this.inFlight = new Map();
  }

  /** @param {string} token @returns {Promise<HubUser | null>} */
  async resolve(token) {
    if (!TOKEN_SHAPE.test(token)) return null;
    if (this.isPlatformToken(token)) return { name: PLATFORM_USER, groups: [PLATFORM_USER] };
    const key = createHash('sha256').update(token).digest('hex');
    const cached = this.cache.get(key);
    if (cached && Date.now() - cached.at < this.ttlMs) return cached.user;
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const lookup = this.whoami(token).then((user) => {
      this.remember(key, user);
      return user;
    });
    this.inFlight.set(key, lookup);
    try {
      return await lookup;
    } finally {
      this.inFlight.delete(key);
    }
  }

  /** @param {string} token */
  isPlatformToken(token) {
    if (!this.platformToken) return false;
    const given = Buffer.from(token);
    return given.length === this.platformToken.length && timingSafeEqual(given, this.platformToken);
  }

  /** @param {string} key @param {HubUser | null} user */
  remember(key, user) {
    this.cache.delete(key);
    this.cache.set(key, { at: Date.now(), user });
    while (this.cache.size > this.maxCached) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
  }

  /** @param {string} token @returns {Promise<HubUser | null>} */
  async whoami(token) {
    let response;
    try {
      response = await fetch(`${this.apiUrl}/v1/whoami`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      throw new ApiUnavailableError(`the PyFaaS API at ${this.apiUrl} does not answer (${/** @type {Error} */ (err).message})`);
    }
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      return null;
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new ApiUnavailableError(`the PyFaaS API at ${this.apiUrl} answered GET /v1/whoami with ${response.status}`);
    }
    /** @type {any} */
    const principal = await response.json();
    if (typeof principal?.role !== 'string' || !Array.isArray(principal.permissions)) {
      throw new ApiUnavailableError(`the PyFaaS API at ${this.apiUrl} answered GET /v1/whoami without a role`);
    }
    const groups = [principal.role];
    if (principal.permissions.includes('module:publish')) groups.push(PUBLISH_GROUP);
    const name = typeof principal.name === 'string' && principal.name ? principal.name : String(principal.id);
    return { name, groups };
  }
}

module.exports = { Principals, ApiUnavailableError, PUBLISH_GROUP, PLATFORM_USER };
