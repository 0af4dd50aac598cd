// @ts-check
/**
 * A verified JWT's claims as a PyFaaS principal: its role, the permissions its scope claim
 * narrows the role to, and the functions it is scoped to. Every claim of the wrong shape is
 * refused (TokenClaimsError) rather than ignored, because ignoring it could widen access.
 */
'use strict';

/** @typedef {import('../../../modules/kit').ModuleKit} ModuleKit */
/** @typedef {import('../../../modules/auth/contract').Principal} Principal */
/** @typedef {import('../../../modules/auth/contract').FunctionScope} FunctionScope */
/** @typedef {import('../../../modules/auth/permissions').RoleName} RoleName */
/** @typedef {import('../../../modules/auth/permissions').Permission} Permission */
/** @typedef {import('./options').JwtOptions} JwtOptions */
/** @typedef {import('jose').JWTPayload} JWTPayload */

/**
 * A claim by name, or else by dotted path (`realm_access.role`): the whole name first, so that
 * namespaced claims such as `https://example.com/role` keep their dots. Own properties only.
 * @param {JWTPayload} payload
 * @param {string} name
 * @returns {unknown}
 */
function claim(payload, name) {
  if (Object.hasOwn(payload, name)) return payload[name];
  /** @type {unknown} */
  let value = payload;
  for (const part of name.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, part)) return undefined;
    value = /** @type {Record<string, unknown>} */ (value)[part];
  }
  return value;
}

/**
 * Builds the function that turns a verified payload into a frozen principal; the function
 * throws the kit's TokenClaimsError (details.claim names the claim) for a claim it cannot use.
 * @param {ModuleKit} kit
 * @param {JwtOptions} options
 * @returns {(payload: JWTPayload) => Principal}
 */
function createPrincipalOf(kit, options) {
  const { TokenClaimsError } = kit.errors;
  const { ROLE_NAMES, ROLE_PERMISSIONS } = kit.auth;
  /** @type {readonly string[]} */
  const roleNames = ROLE_NAMES;
  /** @param {string} value @returns {value is RoleName} */
  const isRoleName = (value) => roleNames.includes(value);

  /**
   * The role the claim names (through roleMap when there is one). An array claim (Keycloak's
   * roles) may name several: the first in ROLE_NAMES wins, as the IdP granted them all.
   * @param {unknown} value
   * @returns {RoleName}
   */
  function roleOf(value) {
    const { roleClaim, roleMap, defaultRole } = options;
    if (value === undefined || value === null) {
      if (defaultRole) return defaultRole;
      throw new TokenClaimsError(`The JWT has no "${roleClaim}" claim, and the auth policy sets no defaultRole.`, { claim: roleClaim });
    }
    const values = typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v) => typeof v === 'string') : [];
    const named = values.map((v) => (roleMap ? (Object.hasOwn(roleMap, v) ? roleMap[v] : undefined) : isRoleName(v) ? v : undefined));
    const role = ROLE_NAMES.find((r) => named.includes(r));
    if (!role) throw new TokenClaimsError(`The JWT's "${roleClaim}" claim names no PyFaaS role${roleMap ? ' in the roleMap' : ` (${ROLE_NAMES.join(', ')})`}.`, { claim: roleClaim });
    return role;
  }

  /**
   * The role's permissions, narrowed to those the scope claim lists (unknown strings ignored): never wider.
   * @param {RoleName} role
   * @param {unknown} value
   * @returns {ReadonlySet<Permission>}
   */
  function permissionsOf(role, value) {
    const granted = ROLE_PERMISSIONS[role];
    if (value === undefined || value === null) return new Set(granted);
    /** @type {unknown[]} */
    let listed;
    if (typeof value === 'string') listed = value.split(' ');
    else if (Array.isArray(value)) listed = value;
    // Ignoring a claim of another shape would widen what the IdP meant to narrow.
    else throw new TokenClaimsError(`The JWT's "${options.scopeClaim}" claim must be a space-separated string or an array of strings.`, { claim: options.scopeClaim });
    return new Set(granted.filter((permission) => listed.includes(permission)));
  }

  /**
   * @param {JWTPayload} payload
   * @returns {FunctionScope | undefined}
   */
  function scopeOf(payload) {
    const names = claim(payload, options.functionsClaim);
    const labels = claim(payload, options.labelsClaim);
    /** @type {FunctionScope} */
    const scope = {};
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
      scope.labels = { .../** @type {Record<string, string>} */ (labels) };
    }
    return scope.names || scope.labels ? Object.freeze(scope) : undefined;
  }

  return (payload) => {
    const { iss, sub } = payload;
    if (typeof iss !== 'string' || typeof sub !== 'string') throw new TokenClaimsError('The JWT\'s "iss" and "sub" claims must be strings.', { claim: typeof iss !== 'string' ? 'iss' : 'sub' });
    const name = claim(payload, options.nameClaim);
    const role = roleOf(claim(payload, options.roleClaim));
    const functions = scopeOf(payload);
    return Object.freeze({
      id: `jwt:${iss}#${sub}`,
      name: typeof name === 'string' && name !== '' ? name : sub,
      via: 'jwt',
      role,
      permissions: permissionsOf(role, claim(payload, options.scopeClaim)),
      ...(functions ? { functions } : {}),
      expiresAt: new Date(/** @type {number} */ (payload.exp) * 1000),
    });
  };
}

module.exports = { claim, createPrincipalOf };
