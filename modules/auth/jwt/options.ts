/** The `jwt` auth module's options, as the auth policy gives them: parsed once, at construction. */
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { parseInput } from '../../../common/validation';
import { ROLE_NAMES } from '../permissions';

/**
 * The public-key JWS algorithms PyFaaS accepts. HS* and `none` are absent on purpose: an
 * HMAC key is a shared secret the platform would have to hold, and `none` is no signature.
 */
export const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'ES256K', 'EdDSA', 'Ed25519'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

const EC_CURVE_ALGORITHM: Record<string, JwtAlgorithm> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512', secp256k1: 'ES256K' };

/** The algorithms a public key can verify: what its type (and curve) allows, nothing else. */
export function keyAlgorithms(key: KeyObject): JwtAlgorithm[] {
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
 */
export function toPublicKey(publicKey: string | Record<string, unknown>): KeyObject {
  let key: KeyObject;
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
      key = createPublicKey({ key: publicKey as JsonWebKey, format: 'jwk' });
    } catch {
      throw new Error('is not a readable public JWK (kty RSA, EC or OKP)');
    }
  }
  if (key.asymmetricKeyType?.startsWith('rsa') && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
    throw new Error('is an RSA key shorter than 2048 bits, which jose refuses to verify with');
  }
  return key;
}

function isHttpUrl(value: string): boolean {
  try {
    return /^https?:$/.test(new URL(value).protocol);
  } catch {
    return false;
  }
}

const claimName = z.string().min(1);
const oneOrMore = z.union([z.string().min(1), z.array(z.string().min(1)).nonempty()]);
const role = z.enum(ROLE_NAMES);

const algorithm = z.string().superRefine((value, ctx) => {
  if ((JWT_ALGORITHMS as readonly string[]).includes(value)) return;
  const why = value.toLowerCase() === 'none' ? 'is no signature at all' : /^HS/i.test(value) ? 'needs a shared secret' : 'is not a JWS public-key algorithm';
  ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${value} ${why}; use one of ${JWT_ALGORITHMS.join(', ')}` });
});

export const jwtOptionsSchema = z
  .object({
    /** The IdP's JWKS (keys fetched on first use, cached, refetched on an unknown kid). */
    jwksUrl: z.string().refine(isHttpUrl, 'must be an http or https URL').optional(),
    /** One fixed verification key, for an IdP without a JWKS endpoint. */
    publicKey: z.union([z.string(), z.record(z.unknown())]).optional(),
    issuer: oneOrMore.optional(),
    audience: oneOrMore.optional(),
    algorithms: z.array(algorithm).nonempty().default(['RS256', 'ES256', 'EdDSA']),
    /** Where the role is: a claim name, or a dotted path into nested claims. */
    roleClaim: claimName.default('pyfaas_role'),
    /** Claim value → role; without it the claim value must itself be a role name. */
    roleMap: z.record(role).optional(),
    /** The role of a token without the role claim; absent, such a token is refused. */
    defaultRole: role.optional(),
    scopeClaim: claimName.default('scope'),
    functionsClaim: claimName.default('pyfaas_functions'),
    labelsClaim: claimName.default('pyfaas_labels'),
    nameClaim: claimName.default('sub'),
    clockToleranceSeconds: z.number().int().min(0).max(300).default(30),
    /** Verified principals kept (by token hash) so a repeated request skips the signature check; 0 turns it off. */
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
      if (!options.algorithms.some((alg) => (usable as string[]).includes(alg))) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['publicKey'], message: `can verify only ${usable.join(', ') || 'no JWS algorithm'}, none of algorithms ${options.algorithms.join(', ')}` });
      }
    } catch (err) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['publicKey'], message: (err as Error).message });
    }
  });

export type JwtOptions = z.output<typeof jwtOptionsSchema>;

/** Throws InputError naming every bad option (`options.<field>: …`). */
export function parseJwtOptions(options: unknown): JwtOptions {
  return parseInput(jwtOptionsSchema, options ?? {}, 'jwt auth options', 'options');
}
