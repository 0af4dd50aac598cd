import path from 'node:path';
import { SetupError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import type { Provisioned } from '../provision';
import type { StackPlan } from '../stack';
import type { ManagedProcess } from './managed-process';
import { temporalPostgresServerStarter } from './temporal-postgres-server';
import { startTemporalServer } from './temporal-server';
import { startTemporalUiServer } from './temporal-ui-server';

export interface TemporalStart {
  name: string;
  /** The progress line while it starts. */
  what: string;
  /** Starts (or, for a supervised restart, starts again) the planned Temporal on the same ports and state. */
  start: () => Promise<ManagedProcess>;
}

/**
 * The planned Temporal as start functions, in start order: the dev server (`temporal server
 * start-dev` on SQLite in `<stateDir>/temporal`, its Web UI inside) or, in server mode, the real
 * server on the plan's PostgreSQL (which must then start first) and its Web UI server on
 * `uiPort`. Throws SetupError when server mode lacks PostgreSQL or the build.
 */
export function temporalStarts(plan: StackPlan, provisioned: Provisioned, logger: Logger): TemporalStart[] {
  if (!plan.temporal) return [];
  const { port, uiPort, namespace, mode = 'dev' } = plan.temporal;
  const stateDir = path.join(plan.stateDir, 'temporal');
  const logDir = path.join(plan.stateDir, 'logs');
  if (mode === 'dev') {
    const options = { binary: provisioned.temporalCli, stateDir, logDir, host: plan.host, port, uiPort, namespace };
    return [{ name: 'temporal', what: `starting the Temporal dev server on ${plan.host}:${port}`, start: () => startTemporalServer(options, logger) }];
  }
  if (!plan.postgres) throw new SetupError('The Temporal server (PYFAAS_TEMPORAL=server) keeps its state in PostgreSQL: plan the stack PostgreSQL too.');
  if (!provisioned.temporalServer) throw new SetupError('The Temporal server was not provisioned: call provision() with temporalServer: true.');
  const server = temporalPostgresServerStarter(
    {
      binaries: provisioned.temporalServer, stateDir, logDir, host: plan.host, port, namespace,
      historyShards: plan.temporal.historyShards ?? 4,
      postgres: { host: plan.host, port: plan.postgres.port },
      tls: plan.temporal.tls,
    },
    logger,
  );
  const starts: TemporalStart[] = [
    { name: 'temporal', what: `starting the Temporal server on ${plan.host}:${port} (PostgreSQL ${plan.host}:${plan.postgres.port})`, start: server },
  ];
  if (uiPort !== undefined) {
    const ui = {
      binary: provisioned.temporalServer.uiServer, stateDir: path.join(plan.stateDir, 'temporal-ui'), logDir, host: plan.host, port: uiPort,
      frontendAddress: `${plan.host}:${port}`, tls: plan.temporal.tls?.client, namespace,
    };
    starts.push({ name: 'temporal-ui', what: `starting the Temporal Web UI on http://${plan.host}:${uiPort}`, start: () => startTemporalUiServer(ui, logger) });
  }
  return starts;
}
