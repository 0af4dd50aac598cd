import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SetupError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { requireExecutable, runCommand, tail } from '../command';
import { step } from '../progress';

/**
 * `go install` of a module path leaves no trustworthy version in the binary (the Temporal CLI
 * reports 0.0.0-DEV), so the version built is recorded beside each binary and only trusted
 * while the binary still runs.
 */
function versionMarker(binary: string): string {
  return `${binary}.version`;
}

/** The version recorded beside `binary`, when it is there and `binary <probeArgs>` still runs. */
async function installedVersion(binary: string, probeArgs: string[]): Promise<string | undefined> {
  if (!existsSync(binary) || !existsSync(versionMarker(binary))) return undefined;
  const { code } = await runCommand(binary, probeArgs, { timeoutMs: 30_000 });
  return code === 0 ? readFileSync(versionMarker(binary), 'utf8').trim() : undefined;
}

export interface GoBuild {
  /** `module/path/cmd/x` (without `@version`) → the file name to give the binary in `binDir`. */
  packages: Record<string, string>;
  version: string;
  binDir: string;
  /** Says what is built, for progress and for the error when Go is missing. */
  what: string;
}

export interface GoBinaries extends GoBuild {
  /** The progress step's name (`temporal-cli`, `kubeconform`, …). */
  step: string;
  /** Arguments each binary must exit 0 on to count as still working (default `--version`). */
  probeArgs?: string[];
}

/**
 * Builds the packages at one version with `go install` (CGO off, no VCS stamping) into a
 * scratch GOBIN, then moves each binary into `binDir` under its name and records the version.
 * Throws SetupError when Go is missing or the build fails (naming the last lines of output).
 */
async function goInstall(build: GoBuild): Promise<void> {
  const go = requireExecutable('go', `install Go 1.23 or newer (apt-get install golang-go, or the official tarball) to build ${build.what}`);
  const scratch = path.join(build.binDir, `.go-install-${process.pid}`);
  mkdirSync(scratch, { recursive: true });
  try {
    const targets = Object.keys(build.packages).map((pkg) => `${pkg}@v${build.version}`);
    const env = { ...process.env, CGO_ENABLED: '0', GOBIN: scratch, GOFLAGS: '-buildvcs=false' };
    const { code, output } = await runCommand(go, ['install', ...targets], { env, timeoutMs: 30 * 60_000 });
    if (code !== 0) {
      throw new SetupError(`go install ${targets.join(' ')} failed; check that the Go module proxy (GOPROXY) answers. Last lines:\n${tail(output)}`);
    }
    for (const [pkg, name] of Object.entries(build.packages)) {
      const binary = path.join(build.binDir, name);
      rmSync(versionMarker(binary), { force: true });
      renameSync(path.join(scratch, path.basename(pkg)), binary);
      writeFileSync(versionMarker(binary), build.version);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Builds `packages` at `version` with `go install` into `binDir`, unless every binary already
 * records that version and still runs; then checks each one runs. Returns the binaries' paths
 * in the order of `packages`. Throws SetupError when Go is missing or a build fails.
 */
export async function ensureGoBinaries(binaries: GoBinaries, logger: Logger): Promise<string[]> {
  const probeArgs = binaries.probeArgs ?? ['--version'];
  const files = Object.values(binaries.packages).map((name) => path.join(binaries.binDir, name));
  const versions = await Promise.all(files.map((file) => installedVersion(file, probeArgs)));
  if (versions.every((built) => built === binaries.version)) {
    logger.info({ step: binaries.step, binaries: files }, `${binaries.step}: ${binaries.version} already built`);
    return files;
  }
  mkdirSync(binaries.binDir, { recursive: true });
  await step(logger, binaries.step, `building ${binaries.what} ${binaries.version} with go install (minutes the first time)`, () => goInstall(binaries));
  for (const file of files) {
    const built = await installedVersion(file, probeArgs);
    if (built !== binaries.version) throw new SetupError(`${file} does not run after go install (version ${built ?? 'unknown'}, expected ${binaries.version}).`);
  }
  return files;
}
