import { existsSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { tail } from '../../infra/command';
import { runInstallSandbox, type InstallSandboxSpec } from '../runtime/install-sandbox';
import type { DependencyReport } from '../runtime/contract';
import { buildDirectory, copyDirectory } from './directories';

/** How long one dependency install may take before it is killed. */
export const INSTALL_TIMEOUT_MS = 5 * 60_000;

export interface CachedInstall {
  codeDir: string;
  cacheDir: string;
  /** The manifest file that declared the dependencies, e.g. `requirements.txt`. */
  manifest: string;
  /** Hex digest of everything the installed tree depends on (manifest, lock, interpreter). */
  key: string;
  /** Folder inside the cache entry that is copied into the code: `.` for the whole entry. */
  from: string;
  /** Folder inside the code that receives it (replaced if present), e.g. `.deps`. */
  into: string;
  /** Installs into an empty directory; throws when installing fails. */
  build(dir: string): Promise<void>;
  logger: Logger;
}

/**
 * Installs a dependency tree once per key and copies it into the code. A cache entry
 * `cacheDir/<key>` is built beside its place and appears by one rename, so an entry that
 * exists is complete; two concurrent builds of one key both succeed and one copy is kept.
 */
export async function installThroughCache(install: CachedInstall): Promise<DependencyReport> {
  const started = Date.now();
  const entry = path.join(install.cacheDir, install.key);
  const cached = existsSync(entry);
  if (!cached) {
    install.logger.info({ manifest: install.manifest, key: install.key }, `installing the dependencies in ${install.manifest}`);
    await buildDirectory(entry, install.build);
  }
  await copyDirectory(path.join(entry, install.from), path.join(install.codeDir, install.into));
  const report: DependencyReport = { manifest: install.manifest, cached, durationMs: Date.now() - started };
  install.logger.info({ ...report, key: install.key }, `dependencies in ${install.manifest} ${cached ? 'served from the cache' : 'installed'}`);
  return report;
}

/**
 * Runs a package installer inside the install sandbox (install-sandbox.ts) with
 * INSTALL_TIMEOUT_MS. Throws InputError with its last lines when it exits non-zero,
 * SetupError when the sandbox cannot start or the installer runs out of time.
 */
export async function runSandboxedInstaller(label: string, spec: InstallSandboxSpec): Promise<void> {
  const result = await runInstallSandbox({ timeoutMs: INSTALL_TIMEOUT_MS, ...spec });
  if (result.code !== 0) throw new InputError(`${label} failed:\n${tail(result.output, 12)}`);
}
