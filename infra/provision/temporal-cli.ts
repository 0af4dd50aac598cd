import path from 'node:path';
import type { Logger } from '../../common/logger';
import { ensureGoBinaries } from './go-install';

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
  await ensureGoBinaries({ step: 'temporal-cli', what: 'the Temporal CLI', packages: { [MODULE]: path.basename(binary) }, version: TEMPORAL_CLI_VERSION, binDir: path.dirname(binary) }, logger);
  return binary;
}
