import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SetupError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { requireExecutable, runCommand, tail } from '../command';
import { step } from '../progress';

/** The newest temporal CLI tag whose go.mod has no replace directive (DESIGN §4). */
export const TEMPORAL_CLI_VERSION = '1.5.1';
const MODULE = 'github.com/temporalio/cli/cmd/temporal';

export function temporalCliPath(dataDir: string): string {
  return path.join(dataDir, 'bin', 'temporal');
}

/**
 * `go install` leaves the CLI reporting version 0.0.0-DEV, so the version built is
 * recorded beside the binary, and only trusted while the binary still runs.
 */
function versionMarker(binary: string): string {
  return `${binary}.version`;
}

async function installedVersion(binary: string): Promise<string | undefined> {
  if (!existsSync(binary) || !existsSync(versionMarker(binary))) return undefined;
  const { code } = await runCommand(binary, ['--version'], { timeoutMs: 30_000 });
  return code === 0 ? readFileSync(versionMarker(binary), 'utf8').trim() : undefined;
}

/**
 * Builds the Temporal CLI (which embeds the dev server) into `<dataDir>/bin` with
 * `go install`, unless the pinned version is already there.
 * Throws SetupError when Go is missing, the module proxy does not answer or the build fails.
 */
export async function ensureTemporalCli(dataDir: string, logger: Logger): Promise<string> {
  const binary = temporalCliPath(dataDir);
  const version = await installedVersion(binary);
  if (version === TEMPORAL_CLI_VERSION) {
    logger.info({ step: 'temporal-cli', binary }, `temporal-cli: ${TEMPORAL_CLI_VERSION} already built`);
    return binary;
  }
  const go = requireExecutable('go', 'install Go 1.23 or newer (apt-get install golang-go, or the official tarball) to build the Temporal CLI');
  mkdirSync(path.dirname(binary), { recursive: true });
  rmSync(versionMarker(binary), { force: true });
  await step(logger, 'temporal-cli', `building temporal ${TEMPORAL_CLI_VERSION} with go install (a few minutes the first time)`, async () => {
    const env = { ...process.env, CGO_ENABLED: '0', GOBIN: path.dirname(binary), GOFLAGS: '-buildvcs=false' };
    const { code, output } = await runCommand(go, ['install', `${MODULE}@v${TEMPORAL_CLI_VERSION}`], { env, timeoutMs: 30 * 60_000 });
    if (code !== 0) {
      throw new SetupError(
        `go install ${MODULE}@v${TEMPORAL_CLI_VERSION} failed; check that the Go module proxy (GOPROXY) answers. Last lines:\n${tail(output)}`,
      );
    }
    writeFileSync(versionMarker(binary), TEMPORAL_CLI_VERSION);
  });
  const built = await installedVersion(binary);
  if (built !== TEMPORAL_CLI_VERSION) {
    throw new SetupError(`The Temporal CLI at ${binary} reports version ${built ?? 'nothing'}, expected ${TEMPORAL_CLI_VERSION}.`);
  }
  return binary;
}
