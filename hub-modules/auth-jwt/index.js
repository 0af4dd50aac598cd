// @ts-check
/**
 * `pyfaas-auth-jwt`: the PyFaaS auth module `jwt`, published to the Module Hub. It reads
 * bearer JWTs from an organisation's identity provider, verified against its JWKS or one
 * configured public key; the role, permissions and function scope come from claims.
 *
 * It needs nothing from PyFaaS but what the platform lends it through `context.kit`: jose and
 * zod (`kit.require`), the error classes the API maps to status codes, the roles and their
 * permissions, and the bearer-header reader.
 */
'use strict';

const { createOptionsParser } = require('./lib/options');
const { createJwtAuth } = require('./lib/authenticator');

/** @typedef {import('../../modules/model').ModuleContext} ModuleContext */
/** @typedef {import('../../modules/auth/contract').AuthModuleFactory} AuthModuleFactory */
/** @typedef {import('./lib/options').JwtOptions} JwtOptions */

/**
 * @typedef {AuthModuleFactory & { parseOptions(options: unknown): JwtOptions }} JwtAuthFactory
 * The auth module factory; `parseOptions` returns the options with their defaults, or throws
 * the InputError the factory would, without building anything.
 */

module.exports = {
  manifest: { kind: 'auth', id: 'jwt' },

  /**
   * The factory the auth gate calls with the auth policy's options; it throws InputError
   * naming every bad option, before anything is built.
   * @param {ModuleContext} context
   * @returns {JwtAuthFactory}
   */
  create(context) {
    const parseOptions = createOptionsParser(context.kit);
    /** @type {AuthModuleFactory} */
    const factory = (options, deps) => {
      const logger = (deps?.logger ?? context.logger).child({ module: 'auth/jwt' });
      return createJwtAuth(context.kit, parseOptions(options), logger);
    };
    return Object.assign(factory, { parseOptions });
  },
};
