import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { extractArchive, type ArchiveLimits } from '../artifacts';
import { ModuleIntegrityError, ModuleManifestError } from '../errors';
import { parseModuleDeclaration, readModulePackage, type ModulePackage } from '../package';

/** What the installer and every process need from the hub (modules/hub/client.ts is the real one). */
export interface HubReader {
  /** The version's package.json as the registry recorded it at publish, with `dist.tarball` and `dist.integrity`. */
  versionManifest(name: string, version: string): Promise<Record<string, unknown>>;
  tarball(name: string, version: string): Promise<Buffer>;
}

const MiB = 1024 * 1024;
/** A module is code and a manifest, not data: much tighter than a function's archive limits. */
export const MODULE_ARCHIVE_LIMITS: Readonly<ArchiveLimits> = Object.freeze({ maxCompressedBytes: 20 * MiB, maxUncompressedBytes: 100 * MiB, maxEntries: 5000 });

export interface FetchedModule extends ModulePackage {
  /** The unpacked package directory (the tarball's `package/`). */
  dir: string;
  integrity: string;
  version: string;
}

/** npm's integrity string of these bytes. */
export function sha512Integrity(bytes: Buffer): string {
  return `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
}

/** `@scope/name` → `@scope+name`: one directory level per package. */
function packageDirName(name: string): string {
  return name.replace('/', '+');
}

/**
 * Fetches `name@version` from the hub into `modulesDir` and checks it: a `pyfaas` manifest
 * in the registry's record (before anything is downloaded), the tarball's sha512 equal to the
 * `dist.integrity` recorded at publish (and to `expectedIntegrity` when the caller knows it,
 * as every process loading an installed module does), then unpacked with the archive checks
 * functions' code gets (no links, no path out of the root, size limits), and its package.json
 * naming the same package and version. A version already unpacked is reused.
 */
export async function fetchModule(hub: HubReader, modulesDir: string, request: { package: string; version: string; expectedIntegrity?: string }): Promise<FetchedModule> {
  const what = `${request.package}@${request.version}`;
  const recorded = await hub.versionManifest(request.package, request.version);
  parseModuleDeclaration(recorded); // no manifest, unknown kind, platform range…: refused before the download
  const integrity = (recorded.dist as { integrity?: unknown } | undefined)?.integrity;
  if (typeof integrity !== 'string' || !integrity.startsWith('sha512-')) throw new ModuleIntegrityError(`The hub records no sha512 integrity for ${what}.`);
  if (request.expectedIntegrity && integrity !== request.expectedIntegrity) {
    throw new ModuleIntegrityError(`The hub's ${what} is not the one installed: its integrity changed since (republished?).`, { expected: request.expectedIntegrity, found: integrity });
  }
  const bytes = await hub.tarball(request.package, request.version);
  const actual = sha512Integrity(bytes);
  if (actual !== integrity) throw new ModuleIntegrityError(`The tarball of ${what} does not match its recorded integrity (sha512): it changed after publish, or in transit.`, { expected: integrity, found: actual });
  const digest = createHash('sha256').update(integrity).digest('hex').slice(0, 16);
  const target = path.join(modulesDir, packageDirName(request.package), `${request.version}-${digest}`);
  if (!(await exists(target))) {
    try {
      await extractArchive('tarGz', bytes, target, MODULE_ARCHIVE_LIMITS);
    } catch (err) {
      if (!(await exists(target))) throw err; // another process unpacked the same bytes meanwhile: theirs stands
    }
  }
  const dir = path.join(target, 'package');
  const pkg = await readModulePackage(dir);
  if (pkg.packageName !== request.package || pkg.manifest.version !== request.version) {
    throw new ModuleManifestError(`The tarball of ${what} holds ${pkg.packageName}@${pkg.manifest.version}.`);
  }
  return { ...pkg, dir, integrity, version: request.version };
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(() => true, () => false);
}
