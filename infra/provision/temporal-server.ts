import path from 'node:path';
import { SetupError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { step } from '../progress';
import { goInstall, installedVersion } from './go-install';

/** The Temporal server release PyFaaS runs in server mode (its go.mod has no replace directive). */
export const TEMPORAL_SERVER_VERSION = '1.29.1';
const SERVER_PACKAGE = 'go.temporal.io/server/cmd/server';
/** The schema tool; it embeds the versioned PostgreSQL schemas (`--schema-name postgresql/v12/…`). */
const SQL_TOOL_PACKAGE = 'go.temporal.io/server/cmd/tools/sql';

export interface TemporalServerBinaries {
  server: string;
  sqlTool: string;
}

export function temporalServerBinaries(dataDir: string): TemporalServerBinaries {
  const bin = path.join(dataDir, 'bin');
  return { server: path.join(bin, 'temporal-server'), sqlTool: path.join(bin, 'temporal-sql-tool') };
}

/**
 * Builds the Temporal server and its SQL schema tool into `<dataDir>/bin` with one
 * `go install` (~5 min on 2 cores from a cold Go cache), unless the pinned version of both is there.
 * Throws SetupError when Go is missing, the module proxy does not answer or the build fails.
 */
export async function ensureTemporalServer(dataDir: string, logger: Logger): Promise<TemporalServerBinaries> {
  const binaries = temporalServerBinaries(dataDir);
  const versions = await Promise.all([installedVersion(binaries.server), installedVersion(binaries.sqlTool)]);
  if (versions.every((version) => version === TEMPORAL_SERVER_VERSION)) {
    logger.info({ step: 'temporal-server', ...binaries }, `temporal-server: ${TEMPORAL_SERVER_VERSION} already built`);
    return binaries;
  }
  await step(logger, 'temporal-server', `building the Temporal server ${TEMPORAL_SERVER_VERSION} and its SQL tool with go install (several minutes the first time)`, () =>
    goInstall({
      packages: { [SERVER_PACKAGE]: path.basename(binaries.server), [SQL_TOOL_PACKAGE]: path.basename(binaries.sqlTool) },
      version: TEMPORAL_SERVER_VERSION,
      binDir: path.dirname(binaries.server),
      what: 'the Temporal server',
    }),
  );
  for (const binary of Object.values(binaries)) {
    const built = await installedVersion(binary);
    if (built !== TEMPORAL_SERVER_VERSION) throw new SetupError(`${binary} reports version ${built ?? 'nothing'}, expected ${TEMPORAL_SERVER_VERSION}.`);
  }
  return binaries;
}
