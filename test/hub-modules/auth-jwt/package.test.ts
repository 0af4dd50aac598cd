import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { InputError } from '../../../common/errors';
import { validateModuleConfig } from '../../../modules/config-schema';
import { moduleKit } from '../../../modules/kit';
import { loadModulePackage } from '../../../modules/package';
import { JWT_PACKAGE_DIR, jwtAuthOf, loadJwtFactory, type JwtAuthFactory } from './load';

const run = promisify(execFile);
const JWKS = 'https://idp.example.com/.well-known/jwks.json';

async function packageFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.js')).map((e) => path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
}

/** The package as `npm publish` would send it: packed by the real npm CLI, unpacked outside the repo. */
async function packed(): Promise<{ dir: string; files: string[]; remove(): Promise<void> }> {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'pyfaas-auth-jwt-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', tmp, JWT_PACKAGE_DIR], { cwd: tmp });
  const [{ filename, files }] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  await run('tar', ['-xzf', path.join(tmp, path.basename(filename)), '-C', tmp]);
  return { dir: path.join(tmp, 'package'), files: files.map((f) => f.path).sort(), remove: () => fs.rm(tmp, { recursive: true, force: true }) };
}

describe('the pyfaas-auth-jwt package', () => {
  let factory: JwtAuthFactory;
  beforeAll(async () => {
    factory = await loadJwtFactory();
  });

  it('requires nothing from PyFaaS: only node: built-ins and its own files, each file @ts-check', async () => {
    const files = await packageFiles(JWT_PACKAGE_DIR);
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const file of files) {
      const source = await fs.readFile(file, 'utf8');
      expect(source.startsWith('// @ts-check\n')).toBe(true);
      const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, ''); // JSDoc type imports are comments
      expect(code).not.toMatch(/\bimport\s*\(/);
      for (const [, specifier] of code.matchAll(/(?<![.\w$])require\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) {
        if (specifier.startsWith('node:')) continue;
        expect(specifier).toMatch(/^\.\.?\//);
        expect(path.resolve(path.dirname(file), specifier).startsWith(JWT_PACKAGE_DIR + path.sep)).toBe(true);
      }
    }
  });

  it('works as npm packs it, loaded from outside the repo with the platform kit', async () => {
    const pack = await packed();
    try {
      expect(pack.files).toEqual(['README.md', 'index.js', 'lib/authenticator.js', 'lib/claims.js', 'lib/options.js', 'lib/principal-cache.js', 'package.json']);
      const module = await loadModulePackage(pack.dir);
      expect(module).toMatchObject({ packageName: 'pyfaas-auth-jwt', manifest: { kind: 'auth', id: 'jwt', version: '1.0.0' } });
      const { publicKey, privateKey } = await generateKeyPair('ES256');
      const auth = jwtAuthOf(await loadJwtFactory(pack.dir))({ publicKey: await exportSPKI(publicKey), algorithms: ['ES256'] });
      const token = await new SignJWT({ pyfaas_role: 'invoker' }).setProtectedHeader({ alg: 'ES256' }).setIssuer('https://idp').setSubject('dana').setExpirationTime('5m').sign(privateKey);
      await expect(auth.authenticate({ authorization: `Bearer ${token}` })).resolves.toMatchObject({ id: 'jwt:https://idp#dana', via: 'jwt', role: 'invoker' });
      await expect(auth.authenticate({ authorization: 'Bearer not-a-jwt' })).rejects.toBeInstanceOf(moduleKit.errors.TokenMalformedError);
    } finally {
      await pack.remove();
    }
  }, 60_000);

  describe('its configSchema (what the platform validates before the module parses)', () => {
    let manifest: Awaited<ReturnType<typeof loadModulePackage>>['manifest'];
    beforeAll(async () => {
      manifest = (await loadModulePackage(JWT_PACKAGE_DIR)).manifest;
    });
    const schemaOf = (field: string) => (manifest.configSchema as { properties: Record<string, any>; definitions: Record<string, any> }).properties[field];

    it('fills the same defaults the module does', () => {
      expect(validateModuleConfig(manifest, { jwksUrl: JWKS }, 'options')).toEqual(factory.parseOptions({ jwksUrl: JWKS }));
    });

    it('names the same roles the platform has, and the algorithms the module accepts', () => {
      const { definitions } = manifest.configSchema as { definitions: Record<string, { enum?: string[] }> };
      expect(definitions.role.enum).toEqual([...moduleKit.auth.ROLE_NAMES]);
      const algorithms: string[] = schemaOf('algorithms').items.enum;
      for (const alg of algorithms) expect(factory.parseOptions({ jwksUrl: JWKS, algorithms: [alg] })).toMatchObject({ algorithms: [alg] });
      for (const alg of ['HS256', 'none', 'RSA-OAEP']) expect(() => validateModuleConfig(manifest, { jwksUrl: JWKS, algorithms: [alg] }, 'options')).toThrow(InputError);
    });

    it('accepts what the module accepts', () => {
      const all = {
        jwksUrl: JWKS, issuer: ['https://a.example.com'], audience: 'pyfaas', algorithms: ['ES256'], roleClaim: 'realm_access.role',
        roleMap: { 'pyfaas-admin': 'admin' }, defaultRole: 'invoker', scopeClaim: 'scp', functionsClaim: 'fns', labelsClaim: 'lbl',
        nameClaim: 'email', clockToleranceSeconds: 0, cacheMaxEntries: 0,
      };
      expect(validateModuleConfig(manifest, all, 'options')).toEqual(factory.parseOptions(all));
      expect(validateModuleConfig(manifest, { publicKey: { kty: 'OKP', crv: 'Ed25519', x: 'x' } }, 'options')).toMatchObject({ roleClaim: 'pyfaas_role' });
    });

    it.each([
      ['both key sources', { jwksUrl: JWKS, publicKey: '-----BEGIN PUBLIC KEY-----' }],
      ['no key source', {}],
      ['a jwksUrl that is not http(s)', { jwksUrl: 'file:///etc/jwks.json' }],
      ['no algorithms', { jwksUrl: JWKS, algorithms: [] }],
      ['a roleMap to no role', { jwksUrl: JWKS, roleMap: { staff: 'superuser' } }],
      ['an unknown defaultRole', { jwksUrl: JWKS, defaultRole: 'root' }],
      ['an empty claim name', { jwksUrl: JWKS, roleClaim: '' }],
      ['an empty issuer list', { jwksUrl: JWKS, issuer: [] }],
      ['a clock tolerance over 300 s', { jwksUrl: JWKS, clockToleranceSeconds: 301 }],
      ['a fractional cache size', { jwksUrl: JWKS, cacheMaxEntries: 1.5 }],
      ['an unknown option', { jwksUrl: JWKS, secret: 'x' }],
    ])('refuses %s, as the module does', (_what, bad) => {
      expect(() => validateModuleConfig(manifest, bad, 'options')).toThrow(InputError);
      expect(() => factory.parseOptions(bad)).toThrow(InputError);
    });
  });
});
