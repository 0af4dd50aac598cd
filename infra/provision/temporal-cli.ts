import path from 'node:path';
import { SetupError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { step } from '../progress';
import { goInstall, installedVersion } from './go-install';

/** The newest temporal CLI tag whose go.mod has no replace directive (DESIGN §4). */
export const TEMPORAL_CLI_VERSION = '1.5.1';
const MODULE = 'github.com/temporalio/cli/cmd/temporal';

export function temporalCliPath(dataDir: string): string {
  return path.join(dataDir, 'bin', 'temporal');
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
  await step(logger, 'temporal-cli', `building temporal ${TEMPORAL_CLI_VERSION} with go install (a few minutes the first time)`, () =>
    goInstall({ packages: { [MODULE]: path.basename(binary) }, version: TEMPORAL_CLI_VERSION, binDir: path.dirname(binary), what: 'the Temporal CLI' }),
  );
  const built = await installedVersion(binary);
  if (built !== TEMPORAL_CLI_VERSION) {
    throw new SetupError(`The Temporal CLI at ${binary} reports version ${built ?? 'nothing'}, expected ${TEMPORAL_CLI_VERSION}.`);
  }
  return binary;
}
