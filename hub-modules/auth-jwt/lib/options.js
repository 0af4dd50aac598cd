// @ts-check
/**
 * The `jwt` module's options, as the auth policy gives them: parsed once, when the module is
 * built. zod and the error classes are the platform's, lent through `context.kit`.
 */
'use strict';

const { createPublicKey } = require('node:crypto');

/** @typedef {import('../../../modules/kit').ModuleKit} ModuleKit */
/** @typedef {import('../../../modules/auth/permissions').RoleName} RoleName */

/**
 * The public-key JWS algorithms PyFaaS accepts. HS* and `none` are absent on purpose: an
 * HMAC key is a shared secret the platform would have to hold, and `none` is no signature.
 */
const JWT_ALGORITHMS = Object.freeze(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'ES256K', 'EdDSA', 'Ed25519']);

/** @type {Readonly<Record<string, string>>} */
const EC_CURVE_ALGORITHM = Object.freeze({ prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512', secp256k1: 'ES256K' });

/**
 * @typedef {object} JwtOptions
 * @property {string} [jwksUrl]
 * @property {string | Record<string, unknown>} [publicKey]
 * @property {string | string[]} [issuer]
 * @property {string | string[]} [audience]
 * @property {string[]} algorithms
 * @property {string} roleClaim
 * @property {Record<string, RoleName>} [roleMap]
 * @property {RoleName} [defaultRole]
 * @property {string} scopeClaim
 * @property {string} functionsClaim
 * @property {string} labelsClaim
 * @property {string} nameClaim
 * @property {number} clockToleranceSeconds
 * @property {number} cacheMaxEntries
 */

/**
 * The algorithms a public key can verify: what its type (and curve) allows, nothing else.
 * @param {import('node:crypto').KeyObject} key
 * @returns {string[]}
 */
function keyAlgorithms(key) {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
    case 'rsa-pss':
      return ['PS256', 'PS384', 'PS512'];
    case 'ec': {
      const alg = EC_CURVE_ALGORITHM[key.asymmetricKeyDetails?.namedCurve ?? ''];
      return alg ? [alg] : [];
    }
    case 'ed25519':
      return ['EdDSA', 'Ed25519'];
    case 'ed448':
      return ['EdDSA'];
    default:
      return [];
  }
}

/** Members only a private or symmetric JWK has: a policy holding them leaks a signing key. */
const SECRET_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/**
 * The configured public key as a KeyObject. Throws Error with a sentence when it is not a PEM
 * SPKI public key or a public JWK (a private key, a certificate or an `oct` secret are refused).
 * @param {string | Record<string, unknown>} publicKey
 * @returns {import('node:crypto').KeyObject}
 */
function toPublicKey(publicKey) {
  let key;
  if (typeof publicKey === 'string') {
    if (!/^\s*-----BEGIN PUBLIC KEY-----/.test(publicKey)) throw new Error('must be a PEM SPKI public key (-----BEGIN PUBLIC KEY-----) or a JWK object');
    try {
      key = createPublicKey({ key: publicKey, format: 'pem', type: 'spki' });
    } catch {
      throw new Error('is not a readable PEM SPKI public key');
    }
  } else {
    const secret = SECRET_JWK_MEMBERS.filter((member) => member in publicKey);
    if (secret.length > 0) throw new Error(`must be a public JWK; it holds private or secret members (${secret.join(', ')})`);
    try {
      key = createPublicKey({ key: /** @type {import('node:crypto').JsonWebKey} */ (publicKey), format: 'jwk' });
    } catch {
      throw new Error('is not a readable public JWK (kty RSA, EC or OKP)');
    }
  }
  if (key.asymmetricKeyType?.startsWith('rsa') && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
    throw new Error('is an RSA key shorter than 2048 bits, which jose refuses to verify with');
  }
  return key;
}

/** @param {string} value */
function isHttpUrl(value) {
  try {
    return /^https?:$/.test(new URL(value).protocol);
  } catch {
    return false;
  }
}

/**
 * The options' zod schema, built from the platform's zod (kit.require('zod')).
 * @param {ModuleKit} kit
 */
function optionsSchema(kit) {
  const { z } = /** @type {typeof import('zod')} */ (kit.require('zod'));
  const [firstRole, ...otherRoles] = kit.auth.ROLE_NAMES;
  const claimName = z.string().min(1);
  const oneOrMore = z.union([z.string().min(1), z.array(z.string().min(1)).nonempty()]);
  const role = z.enum([firstRole, ...otherRoles]);
  const algorithm = z.string().superRefine((value, ctx) => {
    if (JWT_ALGORITHMS.includes(value)) return;
    const why = value.toLowerCase() === 'none' ? 'is no signature at all' : /^HS/i.test(value) ? 'needs a shared secret' : 'is not a JWS public-key algorithm';
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${value} ${why}; use one of ${JWT_ALGORITHMS.join(', ')}` });
  });

  return z
    .object({
      jwksUrl: z.string().refine(isHttpUrl, 'must be an http or https URL').optional(),
      publicKey: z.union([z.string(), z.record(z.unknown())]).optional(),
      issuer: oneOrMore.optional(),
      audience: oneOrMore.optional(),
      algorithms: z.array(algorithm).nonempty().default(['RS256', 'ES256', 'EdDSA']),
      roleClaim: claimName.default('pyfaas_role'),
      roleMap: z.record(role).optional(),
      defaultRole: role.optional(),
      scopeClaim: claimName.default('scope'),
      functionsClaim: claimName.default('pyfaas_functions'),
      labelsClaim: claimName.default('pyfaas_labels'),
      nameClaim: claimName.default('sub'),
      clockToleranceSeconds: z.number().int().min(0).max(300).default(30),
      cacheMaxEntries: z.number().int().min(0).max(1_000_000).default(10_000),
    })
    .strict()
    .superRefine((options, ctx) => {
      if ((options.jwksUrl === undefined) === (options.publicKey === undefined)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'give exactly one of jwksUrl or publicKey' });
      }
      if (options.publicKey === undefined) return;
      try {
        const usable = keyAlgorithms(toPublicKey(options.publicKey));
        if (!options.algorithms.some((alg) => usable.includes(alg))) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['publicKey'], message: `can verify only ${usable.join(', ') || 'no JWS algorithm'}, none of algorithms ${options.algorithms.join(', ')}` });
        }
      } catch (err) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['publicKey'], message: /** @type {Error} */ (err).message });
      }
    });
}

/**
 * The parser of the module's options. Its function throws the platform's InputError naming
 * every bad option in one sentence (`Invalid jwt auth options: options.<field>: …`) and in
 * `details.issues` as `{path, message}`, as the platform's own input errors do.
 * @param {ModuleKit} kit
 * @returns {(options: unknown) => JwtOptions}
 */
function createOptionsParser(kit) {
  const schema = optionsSchema(kit);
  return (options) => {
    const result = schema.safeParse(options ?? {});
    if (result.success) return /** @type {JwtOptions} */ (result.data);
    const issues = result.error.issues.map((issue) => ({ path: ['options', ...issue.path].join('.'), message: issue.message }));
    throw new kit.errors.InputError(`Invalid jwt auth options: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}.`, { issues });
  };
}

module.exports = { JWT_ALGORITHMS, keyAlgorithms, toPublicKey, createOptionsParser };
