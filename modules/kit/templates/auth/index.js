// @ts-check
/**
 * A PyFaaS auth module (see modules/auth/CONTRACT.md in PyFaaS): turns a request's headers
 * into a principal. This one reads an API key from a header and maps it, by its sha256, to
 * a name and a role; what the role may do is decided by the platform, never here.
 */
const { createHash, timingSafeEqual } = require('node:crypto');
const { id } = require('./package.json').pyfaas;

/** @typedef {'admin' | 'module-developer' | 'invoker'} Role */
/** @typedef {{ name: string, sha256: string, role: Role }} Key */
/** @typedef {{ header: string, keys: Key[] }} Options */
/** @typedef {{ id: string, name: string, via: string, role: Role, permissions: ReadonlySet<string> }} Principal */
/** @typedef {new (message: string, details?: Record<string, unknown>) => Error} ErrorClass */
/** @typedef {{ errors: { InputError: ErrorClass, UnauthenticatedError: ErrorClass }, auth: { ROLE_NAMES: readonly string[], ROLE_PERMISSIONS: Readonly<Record<string, readonly string[]>> } }} Kit */

module.exports = {
  /**
   * Returns the factory the platform calls with the auth policy's options for this module.
   * @param {{ kit: Kit }} context
   */
  create({ kit }) {
    const { InputError, UnauthenticatedError } = kit.errors;
    const { ROLE_NAMES, ROLE_PERMISSIONS } = kit.auth;

    /**
     * @param {unknown} options
     * @returns {Options}
     */
    function parseOptions(options) {
      if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new InputError('Auth options must be an object.', { issues: [{ path: 'options', message: 'must be an object' }] });
      const { header = 'x-api-key', keys, ...rest } = /** @type {Record<string, unknown>} */ (options);
      const issues = Object.keys(rest).map((key) => ({ path: `options.${key}`, message: 'unknown field' }));
      if (typeof header !== 'string' || !/^[a-z0-9-]{1,64}$/.test(header) || header === 'authorization') issues.push({ path: 'options.header', message: 'must be a lowercase header name other than authorization' });
      if (!Array.isArray(keys)) issues.push({ path: 'options.keys', message: 'must be a list of { name, sha256, role }' });
      const seen = new Set();
      (Array.isArray(keys) ? keys : []).forEach((key, i) => {
        const ok = key && typeof key === 'object' && typeof key.name === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(key.name) && typeof key.sha256 === 'string' && /^[0-9a-f]{64}$/.test(key.sha256) && ROLE_NAMES.includes(key.role);
        if (!ok) issues.push({ path: `options.keys.${i}`, message: `needs a name, the key's sha256 (hex) and a role (${ROLE_NAMES.join(', ')})` });
        else if (seen.has(key.name)) issues.push({ path: `options.keys.${i}.name`, message: 'is used twice' });
        else seen.add(key.name);
      });
      if (issues.length > 0) throw new InputError(`Invalid ${id} auth options: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}.`, { issues });
      return { header: String(header), keys: /** @type {Key[]} */ (keys) };
    }

    /** @param {Record<string, unknown>} rawOptions */
    return (rawOptions) => {
      const options = parseOptions(rawOptions);
      const keys = options.keys.map((key) => ({ ...key, digest: Buffer.from(key.sha256, 'hex') }));
      return {
        /**
         * @param {Record<string, string | string[] | undefined>} headers
         * @returns {Promise<Principal | undefined>}
         */
        async authenticate(headers) {
          const presented = headers[options.header];
          if (presented === undefined) return undefined; // no credential here: the request is anonymous
          if (typeof presented !== 'string' || presented.length === 0 || presented.length > 512) throw new UnauthenticatedError(`The ${options.header} header does not hold one API key.`);
          const digest = createHash('sha256').update(presented).digest();
          const key = keys.find((candidate) => timingSafeEqual(candidate.digest, digest));
          if (!key) throw new UnauthenticatedError(`The API key in ${options.header} is not one this platform knows.`);
          return { id: `${id}:${key.name}`, name: key.name, via: id, role: key.role, permissions: new Set(ROLE_PERMISSIONS[key.role]) };
        },
      };
    };
  },
};
