import { generateKeyPairSync } from 'node:crypto';
import { InputError } from '../../../common/errors';
import { loadJwtFactory, jwtDeps, type JwtAuthFactory } from './load';

const JWKS = 'https://idp.example.com/.well-known/jwks.json';

function pem(type: 'rsa' | 'ec', extra: Record<string, unknown> = {}): { publicKey: string; privateKey: string } {
  return generateKeyPairSync(type as 'rsa', { modulusLength: 2048, namedCurve: 'P-256', ...extra, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } } as never) as never;
}

describe('jwt auth options (hub package pyfaas-auth-jwt)', () => {
  let factory: JwtAuthFactory;
  const parseJwtOptions = (options: unknown) => factory.parseOptions(options);

  beforeAll(async () => {
    factory = await loadJwtFactory();
  });

  it('fills the documented defaults', () => {
    expect(parseJwtOptions({ jwksUrl: JWKS })).toEqual({
      jwksUrl: JWKS,
      algorithms: ['RS256', 'ES256', 'EdDSA'],
      roleClaim: 'pyfaas_role',
      scopeClaim: 'scope',
      functionsClaim: 'pyfaas_functions',
      labelsClaim: 'pyfaas_labels',
      nameClaim: 'sub',
      clockToleranceSeconds: 30,
      cacheMaxEntries: 10_000,
    });
  });

  it('accepts every documented option', () => {
    const options = {
      publicKey: pem('ec').publicKey,
      issuer: ['https://a.example.com', 'https://b.example.com'],
      audience: 'pyfaas',
      algorithms: ['ES256'],
      roleClaim: 'realm_access.role',
      roleMap: { 'pyfaas-admin': 'admin', dev: 'module-developer', user: 'invoker' },
      defaultRole: 'invoker',
      scopeClaim: 'scp',
      functionsClaim: 'fns',
      labelsClaim: 'lbl',
      nameClaim: 'email',
      clockToleranceSeconds: 0,
      cacheMaxEntries: 0,
    };
    expect(parseJwtOptions(options)).toEqual(options);
  });

  it.each([
    ['both key sources', { jwksUrl: JWKS, publicKey: pem('rsa').publicKey }, 'options: give exactly one of jwksUrl or publicKey'],
    ['no key source', {}, 'options: give exactly one of jwksUrl or publicKey'],
    ['no options at all', undefined, 'options: give exactly one of jwksUrl or publicKey'],
    ['a jwksUrl that is not http(s)', { jwksUrl: 'file:///etc/jwks.json' }, 'options.jwksUrl: must be an http or https URL'],
    ['a jwksUrl that is no URL', { jwksUrl: 'idp.example.com/jwks' }, 'options.jwksUrl: must be an http or https URL'],
    ['HS256', { jwksUrl: JWKS, algorithms: ['HS256'] }, 'options.algorithms.0: HS256 needs a shared secret'],
    ['none', { jwksUrl: JWKS, algorithms: ['RS256', 'none'] }, 'options.algorithms.1: none is no signature at all'],
    ['an unknown algorithm', { jwksUrl: JWKS, algorithms: ['RSA-OAEP'] }, 'options.algorithms.0: RSA-OAEP is not a JWS public-key algorithm'],
    ['no algorithms', { jwksUrl: JWKS, algorithms: [] }, 'options.algorithms'],
    ['a private PEM key', { publicKey: pem('rsa').privateKey }, 'options.publicKey: must be a PEM SPKI public key'],
    ['an unreadable PEM', { publicKey: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----' }, 'options.publicKey: is not a readable PEM SPKI public key'],
    ['a short RSA key', { publicKey: pem('rsa', { modulusLength: 1024 }).publicKey }, 'options.publicKey: is an RSA key shorter than 2048 bits'],
    ['a shared-secret JWK', { publicKey: { kty: 'oct', k: 'c2VjcmV0' } }, 'options.publicKey: must be a public JWK; it holds private or secret members (k)'],
    ['an incomplete JWK', { publicKey: { kty: 'RSA', n: 'AQAB' } }, 'options.publicKey: is not a readable public JWK'],
    ['a key none of the algorithms fits', { publicKey: pem('ec').publicKey, algorithms: ['RS256', 'EdDSA'] }, 'options.publicKey: can verify only ES256, none of algorithms RS256, EdDSA'],
    ['a roleMap to no role', { jwksUrl: JWKS, roleMap: { staff: 'superuser' } }, 'options.roleMap.staff'],
    ['an unknown defaultRole', { jwksUrl: JWKS, defaultRole: 'root' }, 'options.defaultRole'],
    ['an empty claim name', { jwksUrl: JWKS, roleClaim: '' }, 'options.roleClaim'],
    ['an empty issuer list', { jwksUrl: JWKS, issuer: [] }, 'options.issuer'],
    ['a clock tolerance over 300 s', { jwksUrl: JWKS, clockToleranceSeconds: 301 }, 'options.clockToleranceSeconds'],
    ['a negative cache size', { jwksUrl: JWKS, cacheMaxEntries: -1 }, 'options.cacheMaxEntries'],
    ['an unknown option', { jwksUrl: JWKS, secret: 'x' }, "options: Unrecognized key(s) in object: 'secret'"],
  ])('refuses %s with an InputError naming the option', (_what, options, message) => {
    expect(() => parseJwtOptions(options)).toThrow(InputError);
    expect(() => parseJwtOptions(options)).toThrow(message);
    // The factory the auth gate calls refuses the same options, before building anything.
    expect(() => factory(options as Record<string, unknown>, jwtDeps())).toThrow(message);
  });

  it('names every bad option in details.issues, as the platform\'s input errors do', () => {
    let err: unknown;
    try {
      parseJwtOptions({ jwksUrl: 'ftp://idp', clockToleranceSeconds: -1 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect(err).toMatchObject({ code: 'INVALID_INPUT', status: 400 });
    expect((err as InputError).message).toMatch(/^Invalid jwt auth options: /);
    expect((err as InputError).details?.issues).toEqual([
      { path: 'options.jwksUrl', message: 'must be an http or https URL' },
      { path: 'options.clockToleranceSeconds', message: expect.any(String) },
    ]);
  });
});
