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
/** The Web UI server at the version the Temporal CLI (TEMPORAL_CLI_VERSION) embeds in its dev server (its go.mod). */
export const TEMPORAL_UI_VERSION = '2.42.1';
const UI_PACKAGE = 'github.com/temporalio/ui-server/v2/cmd/server';

export interface TemporalServerBinaries {
  server: string;
  sqlTool: string;
  /** The Temporal Web UI, pointed at the server's frontend. */
  uiServer: string;
}

export function temporalServerBinaries(dataDir: string): TemporalServerBinaries {
  const bin = path.join(dataDir, 'bin');
  return { server: path.join(bin, 'temporal-server'), sqlTool: path.join(bin, 'temporal-sql-tool'), uiServer: path.join(bin, 'temporal-ui-server') };
}

/** Builds `packages` at `version` unless each binary already records that version. */
async function ensureBuilt(logger: Logger, name: string, what: string, packages: Record<string, string>, version: string, binDir: string): Promise<void> {
  const binaries = Object.values(packages).map((file) => path.join(binDir, file));
  const versions = await Promise.all(binaries.map((binary) => installedVersion(binary)));
  if (versions.every((built) => built === version)) {
    logger.info({ step: name, binaries }, `${name}: ${version} already built`);
    return;
  }
  await step(logger, name, `building ${what} ${version} with go install (minutes the first time)`, () => goInstall({ packages, version, binDir, what }));
  for (const binary of binaries) {
    const built = await installedVersion(binary);
    if (built !== version) throw new SetupError(`${binary} reports version ${built ?? 'nothing'}, expected ${version}.`);
  }
}

/**
 * Builds the Temporal server and its SQL schema tool (one `go install`: ~5 min on 2 cores from
 * a cold Go cache), and the Web UI server (~1 min), into `<dataDir>/bin`, unless the pinned
 * versions are there. Throws SetupError when Go is missing, the module proxy does not answer
 * or a build fails.
 */
export async function ensureTemporalServer(dataDir: string, logger: Logger): Promise<TemporalServerBinaries> {
  const binaries = temporalServerBinaries(dataDir);
  const binDir = path.dirname(binaries.server);
  const serverPackages = { [SERVER_PACKAGE]: path.basename(binaries.server), [SQL_TOOL_PACKAGE]: path.basename(binaries.sqlTool) };
  await ensureBuilt(logger, 'temporal-server', 'the Temporal server and its SQL tool', serverPackages, TEMPORAL_SERVER_VERSION, binDir);
  await ensureBuilt(logger, 'temporal-ui', 'the Temporal Web UI server', { [UI_PACKAGE]: path.basename(binaries.uiServer) }, TEMPORAL_UI_VERSION, binDir);
  return binaries;
}
