import path from 'node:path';
import { defineBuiltinModule, parseModuleDeclaration, parseModulePackage } from '../../modules/package';

const declaration = (pyfaas: Record<string, unknown> = {}, pkg: Record<string, unknown> = {}) => ({
  name: '@pyfaas/scaling-sample',
  version: '0.2.0',
  description: 'A sample',
  main: 'index.js',
  pyfaas: { kind: 'scaling', id: 'sample', platform: '^0.1.0', configSchema: { type: 'object' }, dependencies: {}, ...pyfaas },
  ...pkg,
});

describe('parseModuleDeclaration (one parser for hub packages and built-ins)', () => {
  it('reads the manifest and the entry relative to the package, without a directory', () => {
    expect(parseModuleDeclaration(declaration({}, { main: './lib//index.js' }))).toEqual({
      packageName: '@pyfaas/scaling-sample',
      entry: 'lib/index.js',
      manifest: { kind: 'scaling', id: 'sample', version: '0.2.0', description: 'A sample', platform: '^0.1.0', configSchema: { type: 'object' }, dependencies: {} },
    });
  });

  it.each([
    ['no package name', { name: 'Not A Name' }, 'MODULE_MANIFEST_INVALID', /no valid npm package name/],
    ['no pyfaas manifest', { pyfaas: undefined }, 'MODULE_MANIFEST_INVALID', /has no `pyfaas` manifest/],
    ['an unknown manifest field', { pyfaas: { kind: 'scaling', id: 'sample', platform: '^0.1.0', main: 'x.js' } }, 'MODULE_MANIFEST_INVALID', /unknown fields: main/],
    ['an unknown kind', { pyfaas: { kind: 'storage', id: 'sample', platform: '^0.1.0' } }, 'MODULE_KIND_UNKNOWN', /unknown kind "storage"/],
    ['a bad id', { pyfaas: { kind: 'scaling', id: 'Sample', platform: '^0.1.0' } }, 'MODULE_MANIFEST_INVALID', /lowercase DNS label/],
    ['a platform range this PyFaaS is outside', { pyfaas: { kind: 'scaling', id: 'sample', platform: '^2.0.0' } }, 'MODULE_PLATFORM_UNSUPPORTED', /supports PyFaaS \^2\.0\.0/],
    ['an entry outside the package', { main: '../escape.js' }, 'MODULE_MANIFEST_INVALID', /is not a path inside the package/],
    ['dependencies that are not a map', { pyfaas: { kind: 'scaling', id: 'sample', platform: '^0.1.0', dependencies: ['auth/tokens'] } }, 'MODULE_MANIFEST_INVALID', /must map kind\/id/],
  ])('refuses %s with a coded error', (_what, override, code, message) => {
    const pkg = { ...declaration(), ...override };
    expect(() => parseModuleDeclaration(pkg)).toThrow(message);
    expect(() => parseModuleDeclaration(pkg)).toThrow(expect.objectContaining({ code }));
    // A hub package and a built-in go through the same checks.
    expect(() => parseModulePackage(pkg, '/pkg')).toThrow(expect.objectContaining({ code }));
    expect(() => defineBuiltinModule(pkg, () => undefined)).toThrow(expect.objectContaining({ code }));
  });
});

describe('parseModulePackage', () => {
  it('resolves the entry inside the package directory', () => {
    expect(parseModulePackage(declaration({ entry: 'dist/main.js' }), '/pkg').entryFile).toBe(path.resolve('/pkg/dist/main.js'));
  });
});

describe('defineBuiltinModule', () => {
  it('builds the module from the declaration, with a frozen manifest', () => {
    const create = () => 'instance';
    const module = defineBuiltinModule(declaration(), create);
    expect(module.packageName).toBe('@pyfaas/scaling-sample');
    expect(module.manifest).toMatchObject({ kind: 'scaling', id: 'sample', version: '0.2.0' });
    expect(Object.isFrozen(module.manifest)).toBe(true);
    expect(module.create).toBe(create);
  });
});
