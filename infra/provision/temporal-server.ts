import path from 'node:path';
import type { Logger } from '../../common/logger';
import { ensureGoBinaries } from './go-install';

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
  await ensureGoBinaries({ step: 'temporal-server', what: 'the Temporal server and its SQL tool', packages: serverPackages, version: TEMPORAL_SERVER_VERSION, binDir }, logger);
  await ensureGoBinaries({ step: 'temporal-ui', what: 'the Temporal Web UI server', packages: { [UI_PACKAGE]: path.basename(binaries.uiServer) }, version: TEMPORAL_UI_VERSION, binDir }, logger);
  return binaries;
}
