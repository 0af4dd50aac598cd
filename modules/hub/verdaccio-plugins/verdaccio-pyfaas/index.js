// @ts-check
'use strict';

const { readFileSync } = require('node:fs');
const { Principals, ApiUnavailableError, PUBLISH_GROUP } = require('./principals');

/**
 * verdaccio-pyfaas: Module Hub accounts ARE PyFaaS tokens. Verdaccio 6.8 lets one auth
 * plugin replace its API token middleware (`apiJWTmiddleware`, @verdaccio/auth
 * build/auth.js); this one reads `Authorization: Bearer <PyFaaS token or JWT>` (what the
 * npm CLI sends for `//host/:_authToken=…`) or `Basic` with the token as password, asks the
 * PyFaaS API who it is, and makes the principal's role the Verdaccio group. Every request
 * but `GET /-/ping` needs a token the API accepts (401 otherwise); publishing, unpublishing
 * and deprecating need both a group the package rule names and the `module:publish`
 * permission. `npm login` is not used.
 *
 * Config (`auth: pyfaas:` in config.yaml): apiUrl, hubUrl (named in error messages),
 * platformTokenFile (the platform's own read-only credential), cacheTtlMs.
 */

/** @typedef {{ name?: string, groups: string[] }} RemoteUser */
/** @typedef {{ name: string, access?: string[], publish?: string[], unpublish?: string[] }} PackageRule */
/** @typedef {(err: Error | null, ok?: boolean) => void} Callback */

/** Set on every answer; the hub's start checks it (infra/services/hub-server.ts). */
const GUARD_HEADER = 'x-pyfaas-hub-auth';

/** @param {number} status @param {string} message */
function httpError(status, message) {
  return Object.assign(new Error(message), { status, statusCode: status, code: status, expose: true });
}

/** @param {unknown} header @returns {string | undefined | null} the token; undefined when none is sent, null when malformed */
function tokenOf(header) {
  if (typeof header !== 'string' || header === '') return undefined;
  const match = /^(Bearer|Basic)\s+(\S+)$/i.exec(header.trim());
  if (!match) return null;
  if (match[1].toLowerCase() === 'bearer') return match[2];
  const decoded = Buffer.from(match[2], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : decoded.slice(colon + 1);
}


class PyFaaSAuthPlugin {
  /**
   * @param {{ apiUrl?: string, hubUrl?: string, platformTokenFile?: string, cacheTtlMs?: number }} config
   * @param {{ logger: { info: Function, warn: Function, error: Function } }} options
   */
  constructor(config, options) {
    this.logger = options.logger;
    if (!config.apiUrl) throw new Error('verdaccio-pyfaas: auth.pyfaas.apiUrl is required (the PyFaaS API that answers GET /v1/whoami)');
    const platformToken = config.platformTokenFile ? readFileSync(config.platformTokenFile, 'utf8').trim() : undefined;
    const registry = (config.hubUrl ?? 'http://<hub host:port>').replace(/^https?:/, '');
    this.needsToken = `The PyFaaS Module Hub needs a PyFaaS token: put \`${registry}/:_authToken=<token>\` in your .npmrc (npm login is not used)`;
    this.principals = new Principals({ apiUrl: config.apiUrl, platformToken, cacheTtlMs: config.cacheTtlMs });
    this.logger.info({ apiUrl: config.apiUrl }, 'verdaccio-pyfaas: hub accounts are PyFaaS tokens checked at @{apiUrl}');
  }

  /**
   * Replaces Verdaccio's token middleware. Anonymous callers get 401 on every route but the
   * health ping; an API that does not answer gets 503 (never a silent anonymous user).
   * @param {{ createRemoteUser: (name: string, groups: string[]) => RemoteUser, createAnonymousRemoteUser: () => RemoteUser }} helpers
   */
  apiJWTmiddleware(helpers) {
    /** @param {any} req @param {any} res @param {(err?: unknown) => void} next */
    return (req, res, next) => {
      // How PyFaaS tells this plugin guards the hub: Verdaccio falls back to htpasswd when a plugin fails to load.
      res.setHeader(GUARD_HEADER, 'verdaccio-pyfaas');
      const anonymous = helpers.createAnonymousRemoteUser();
      req.remote_user = anonymous;
      res.locals.remote_user = anonymous;
      if (req.method === 'GET' && (req.path === '/-/ping' || req.path === '/-/ping/')) return next();
      const token = tokenOf(req.headers.authorization);
      if (token === undefined) return next(httpError(401, `${this.needsToken}.`));
      if (token === null) return next(httpError(401, 'The Authorization header must be `Bearer <PyFaaS token>`.'));
      req.pause();
      this.principals.resolve(token).then(
        (user) => {
          req.resume();
          if (!user) return next(httpError(401, 'This PyFaaS token is unknown, expired or revoked.'));
          const remote = helpers.createRemoteUser(user.name, user.groups);
          req.remote_user = remote;
          res.locals.remote_user = remote;
          next();
        },
        (err) => {
          req.resume();
          if (!(err instanceof ApiUnavailableError)) this.logger.error({ err: err.message }, 'verdaccio-pyfaas: checking a token failed: @{err}');
          else this.logger.warn({ err: err.message }, 'verdaccio-pyfaas: cannot check a token: @{err}');
          next(httpError(503, `The Module Hub cannot check tokens right now: ${err.message}.`));
        },
      );
    };
  }

  /** `npm login`/`adduser`: refused, the token in .npmrc is the account. @param {string} _user @param {string} _password @param {Callback} cb */
  authenticate(_user, _password, cb) {
    cb(httpError(401, `${this.needsToken}.`));
  }

  /** @param {string} _user @param {string} _password @param {Callback} cb */
  adduser(_user, _password, cb) {
    cb(httpError(409, `${this.needsToken}; hub accounts are PyFaaS tokens (POST /v1/tokens).`));
  }

  /** @param {RemoteUser} user @param {PackageRule} pkg @param {Callback} cb */
  allow_access(user, pkg, cb) {
    decide(user, pkg, 'access', pkg.access ?? [], false, cb, this.needsToken);
  }

  /** @param {RemoteUser} user @param {PackageRule} pkg @param {Callback} cb */
  allow_publish(user, pkg, cb) {
    decide(user, pkg, 'publish', pkg.publish ?? [], true, cb, this.needsToken);
  }

  /** @param {RemoteUser} user @param {PackageRule} pkg @param {Callback} cb */
  allow_unpublish(user, pkg, cb) {
    decide(user, pkg, 'unpublish', pkg.unpublish ?? pkg.publish ?? [], true, cb, this.needsToken);
  }
}

/**
 * Allowed when one of the user's groups is in the package rule's list and, for changes,
 * the user holds `module:publish`. 401 for an anonymous user, 403 for a known one.
 * @param {RemoteUser} user @param {PackageRule} pkg @param {string} action @param {string[]} allowed
 * @param {boolean} needsPublish @param {Callback} cb @param {string} needsToken
 */
function decide(user, pkg, action, allowed, needsPublish, cb, needsToken) {
  const groups = user.groups ?? [];
  // Groups only: a user name (a token's name, chosen by whoever made it) must never match a rule.
  const inRule = allowed.some((group) => groups.includes(group));
  const permitted = !needsPublish || groups.includes(PUBLISH_GROUP);
  if (inRule && permitted) return cb(null, true);
  if (!user.name) return cb(httpError(401, `${needsToken}.`));
  const why = !inRule ? 'its role may not' : 'it lacks the module:publish permission';
  cb(httpError(403, `${user.name} may not ${action} ${pkg.name}: ${why}.`));
}

/** Verdaccio calls the export with the plugin's config section and { config, logger }. */
module.exports = function verdaccioPyFaaS(/** @type {any} */ config, /** @type {any} */ options) {
  return new PyFaaSAuthPlugin(config, options);
};
