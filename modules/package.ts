import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { normaliseRelativePath, resolveInside } from './artifacts/relative-path';
import { ModuleLoadError, ModuleManifestError } from './errors';
import { validateManifest, type ModuleContext, type ModuleManifest, type PyFaaSModule } from './model';

/**
 * The Module Model's package form: an npm package whose package.json carries a `pyfaas`
 * manifest. The module's version is the package's; its description, the package's unless
 * the manifest has its own. The entry (default: the package's `main`, else index.js)
 * exports `{ create(context) }` (a `PyFaaSModule` object with its manifest is taken too).
 *
 *   { "name": "pyfaas-scaling-rate", "version": "1.0.0", "main": "index.js",
 *     "pyfaas": { "kind": "scaling", "id": "rate", "platform": "^0.1.0",
 *                 "configSchema": { "type": "object" }, "dependencies": {} } }
 */
export interface ModulePackage {
  packageName: string;
  manifest: ModuleManifest;
  /** Absolute path of the entry file, inside the package directory. */
  entryFile: string;
}

/** A package.json's module declaration, before any directory is known. */
export interface ModuleDeclaration {
  packageName: string;
  manifest: ModuleManifest;
  /** The entry, normalised, relative to the package directory (`lib/index.js`). */
  entry: string;
}

const PACKAGE_NAME = /^(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/;
const MANIFEST_FIELDS = new Set(['kind', 'id', 'platform', 'entry', 'description', 'configSchema', 'dependencies']);

/** Reads and checks `dir/package.json`'s `pyfaas` manifest; throws a coded error (modules/errors.ts). */
export async function readModulePackage(dir: string): Promise<ModulePackage> {
  let pkg: Record<string, unknown>;
  try {
    pkg = JSON.parse(await fs.readFile(path.join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new ModuleManifestError(`The package has no readable package.json (${(err as Error).message}).`);
  }
  return parseModulePackage(pkg, dir);
}

/**
 * What a package.json declares, checked without touching the disk: the npm name, the
 * `pyfaas` manifest (through `validateManifest`) and the entry as a normalised path relative
 * to the package. Hub packages (`parseModulePackage`) and the built-ins (`defineBuiltinModule`)
 * both go through it, so a built-in is held to what a hub module is. Throws a coded error
 * (modules/errors.ts): ModuleManifestError for a bad name, a missing manifest, unknown fields
 * or an entry outside the package, and what validateManifest throws for the rest.
 */
export function parseModuleDeclaration(pkg: Record<string, unknown>): ModuleDeclaration {
  const name = pkg.name;
  if (typeof name !== 'string' || !PACKAGE_NAME.test(name)) throw new ModuleManifestError(`package.json has no valid npm package name.`);
  const raw = pkg.pyfaas;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ModuleManifestError(`Package ${name} has no \`pyfaas\` manifest in its package.json, so it is not a PyFaaS module.`);
  }
  const fields = raw as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((key) => !MANIFEST_FIELDS.has(key));
  if (unknown.length > 0) throw new ModuleManifestError(`Package ${name}'s pyfaas manifest has unknown fields: ${unknown.join(', ')}.`);
  const manifest: ModuleManifest = {
    kind: fields.kind as ModuleManifest['kind'],
    id: fields.id as string,
    version: pkg.version as string,
    platform: fields.platform as string,
    description: typeof fields.description === 'string' ? fields.description : typeof pkg.description === 'string' ? pkg.description : '',
    ...(fields.dependencies !== undefined ? { dependencies: fields.dependencies as Record<string, string> } : {}),
    ...(fields.configSchema !== undefined ? { configSchema: fields.configSchema as Record<string, unknown> } : {}),
  };
  if (manifest.dependencies !== undefined && (typeof manifest.dependencies !== 'object' || manifest.dependencies === null || Array.isArray(manifest.dependencies))) {
    throw new ModuleManifestError(`Package ${name}'s pyfaas dependencies must map kind/id to a semver range.`);
  }
  validateManifest(manifest);
  const entryName = typeof fields.entry === 'string' ? fields.entry : typeof pkg.main === 'string' ? pkg.main : 'index.js';
  const entry = normaliseRelativePath(entryName);
  if (entry === undefined) throw new ModuleManifestError(`Package ${name}'s entry ${JSON.stringify(entryName)} is not a path inside the package.`);
  return { packageName: name, manifest, entry };
}

/** The same checks on a package.json already read (a packument's version entry, say); `dir` resolves the entry. */
export function parseModulePackage(pkg: Record<string, unknown>, dir: string): ModulePackage {
  const { packageName, manifest, entry } = parseModuleDeclaration(pkg);
  const entryFile = resolveInside(path.resolve(dir), entry);
  if (!entryFile) throw new ModuleManifestError(`Package ${packageName}'s entry ${JSON.stringify(entry)} is not a path inside the package.`);
  return { packageName, manifest, entryFile };
}

/**
 * A module shipped with PyFaaS, declared by the package.json-shaped `<id>.module.json` beside
 * its code (imported as JSON) and built by `create`: the declaration goes through the parser a
 * hub package goes through, so the two cannot drift. Its `main` names the compiled entry,
 * which is the file calling this. Throws what parseModuleDeclaration throws, at import time,
 * so a bad declaration stops the process at boot.
 */
export function defineBuiltinModule<T>(declaration: Record<string, unknown>, create: (context: ModuleContext) => T): PyFaaSModule<T> & { packageName: string } {
  const { packageName, manifest } = parseModuleDeclaration(declaration);
  return { manifest: Object.freeze(manifest), create, packageName };
}

/**
 * Loads the package's entry with Node's own loader (not a bundler's or a test runner's), so
 * a module is the same code wherever it runs. Throws ModuleLoadError when the entry throws
 * or exports no `create`. A module runs inside the platform: the admin trusts it by
 * installing it, which is why the hub signs and checks it first (modules/hub).
 */
export async function loadModulePackage(dir: string): Promise<PyFaaSModule & { packageName: string }> {
  const pkg = await readModulePackage(dir);
  const { manifest } = pkg;
  let exported: unknown;
  try {
    exported = createRequire(path.join(path.resolve(dir), 'package.json'))(pkg.entryFile);
  } catch (err) {
    throw new ModuleLoadError(`Module ${manifest.kind}/${manifest.id} ${manifest.version} threw while loading: ${(err as Error)?.message ?? String(err)}`);
  }
  const create = createOf(exported);
  if (!create) throw new ModuleLoadError(`Module ${manifest.kind}/${manifest.id} ${manifest.version}: its entry exports no create(context) function.`);
  const declared = (exported as { manifest?: Partial<ModuleManifest> }).manifest;
  if (declared && ((declared.kind && declared.kind !== manifest.kind) || (declared.id && declared.id !== manifest.id))) {
    throw new ModuleLoadError(`Module ${manifest.kind}/${manifest.id}: its entry declares itself ${declared.kind}/${declared.id}, unlike its package.json.`);
  }
  return { manifest: Object.freeze(manifest), create, packageName: pkg.packageName };
}

function createOf(exported: unknown): PyFaaSModule['create'] | undefined {
  for (const candidate of [exported, (exported as { default?: unknown } | undefined)?.default]) {
    const create = (candidate as { create?: unknown } | undefined)?.create;
    if (typeof create === 'function') return create as PyFaaSModule['create'];
  }
  return undefined;
}
