import { existsSync, readdirSync } from 'node:fs';
import { SetupError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { findExecutable, runCommand, tail } from '../command';
import { step } from '../progress';

export interface DebianPackage {
  name: string;
  /** True when the package's programs are already usable. */
  present: () => boolean;
  /** Packages installed along with this one (the sandbox's helpers come with bubblewrap). */
  with?: DebianPackage[];
}

/** User-mode networking for functions that allow network (modules/worker/network-slirp.ts). */
export const SLIRP4NETNS_PACKAGE: DebianPackage = {
  name: 'slirp4netns',
  present: () => findExecutable('slirp4netns') !== undefined,
};

/** libseccomp's binding for the system CPython: compiles the sandbox's seccomp filter (modules/worker/seccomp-filter.ts). */
export const SECCOMP_PACKAGE: DebianPackage = {
  name: 'python3-seccomp',
  present: () => readdirSafe('/usr/lib/python3/dist-packages').some((name) => /^seccomp\..*\.so$/.test(name)),
};

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export const POSTGRES_PACKAGE: DebianPackage = {
  name: 'postgresql',
  present: () => findPostgresBinDir() !== undefined,
};

export const BUBBLEWRAP_PACKAGE: DebianPackage = {
  name: 'bubblewrap',
  present: () => findExecutable('bwrap') !== undefined,
  with: [SLIRP4NETNS_PACKAGE, SECCOMP_PACKAGE],
};

/** The `openssl` CLI: `pyfaas certs` issues a dev cluster's TLS certificates with it (infra/tls/dev-certs.ts). */
export const OPENSSL_PACKAGE: DebianPackage = {
  name: 'openssl',
  present: () => findExecutable('openssl') !== undefined,
};

/** pip for the system CPython: installs the dependencies of Python functions. */
export const PIP_PACKAGE: DebianPackage = {
  name: 'python3-pip',
  present: () => existsSync('/usr/lib/python3/dist-packages/pip'),
};

/** The newest installed PostgreSQL server's bin dir (Debian keeps them per major version). */
export function findPostgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  for (const major of majors) {
    const bin = `${root}/${major}/bin`;
    if (existsSync(`${bin}/postgres`) && existsSync(`${bin}/initdb`)) return bin;
  }
  return undefined;
}

/**
 * Installs the Debian packages that are missing, with one `apt-get update` first.
 * Throws SetupError when not root (naming the command to run) or when apt fails.
 */
export async function ensureDebianPackages(packages: DebianPackage[], logger: Logger): Promise<void> {
  const all = [...new Set(packages.flatMap((pkg) => [pkg, ...(pkg.with ?? [])]))];
  const missing = all.filter((pkg) => !pkg.present());
  if (missing.length === 0) {
    logger.info({ step: 'debian-packages' }, `debian-packages: ${all.map((p) => p.name).join(', ')} already installed`);
    return;
  }
  const names = missing.map((pkg) => pkg.name);
  const aptGet = findExecutable('apt-get');
  if (!aptGet) throw new SetupError(`${names.join(' and ')} missing and apt-get is not available: install them with your system's package manager.`);
  if (process.getuid?.() !== 0) {
    throw new SetupError(`${names.join(' and ')} missing: run \`sudo apt-get update && sudo apt-get install -y ${names.join(' ')}\`.`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await step(logger, 'debian-packages', `installing ${names.join(', ')} with apt-get`, async () => {
    const update = await runCommand(aptGet, ['update', '-q'], { env, timeoutMs: 10 * 60_000 });
    if (update.code !== 0) throw new SetupError(`apt-get update failed; check that the Debian mirror answers. Last lines:\n${tail(update.output)}`);
    const install = await runCommand(aptGet, ['install', '-y', '-q', '--no-install-recommends', ...names], { env, timeoutMs: 20 * 60_000 });
    if (install.code !== 0) throw new SetupError(`apt-get install ${names.join(' ')} failed. Last lines:\n${tail(install.output)}`);
  });
  const stillMissing = missing.filter((pkg) => !pkg.present()).map((pkg) => pkg.name);
  if (stillMissing.length > 0) throw new SetupError(`apt-get finished but ${stillMissing.join(', ')} is still not usable.`);
}
