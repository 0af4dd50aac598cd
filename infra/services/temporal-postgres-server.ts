import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { SetupError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { freePort, isPortFree } from '../ports';
import type { TemporalServerBinaries } from '../provision/temporal-server';
import { temporalConnectionOptions, type TemporalClientTls, type TemporalConnectionOptions } from '../tls/temporal-connection';
import { ManagedProcess, sleep } from './managed-process';
import { temporalAnswers } from './probes';
import { ensureTemporalSchema } from './temporal-schema';
import { registerSearchAttributes } from './temporal-server';
import { temporalDynamicConfig, temporalServerConfig, type TemporalFrontendTls, type TemporalServerPorts } from './temporal-server-config';

/** The stack's PostgreSQL runs with trust auth for this user on loopback (postgres-server.ts). */
const POSTGRES_USER = 'postgres';
/** How long a new namespace's workflow histories are kept after they close. */
const RETENTION = '3 days';

export interface TemporalPostgresServerOptions {
  binaries: TemporalServerBinaries;
  /** Holds the generated config files (the state itself is in PostgreSQL). */
  stateDir: string;
  logDir: string;
  host: string;
  /** The frontend's gRPC port: the address PyFaaS connects to. */
  port: number;
  namespace: string;
  historyShards: number;
  postgres: { host: string; port: number };
  /** Frontend TLS, and the client side of it (what the server's system worker and these start-up calls use). */
  tls?: { frontend: TemporalFrontendTls; client: TemporalClientTls };
  /** The other services' ports; unset, free ones are picked. */
  internalPorts?: Omit<TemporalServerPorts, 'frontend'>;
  startTimeoutMs?: number;
}

/**
 * A free port below 32768: the cluster_membership table keeps membership ports as a
 * PostgreSQL smallint, so the kernel's ephemeral ports (32768 and up) are refused there.
 */
async function freeMembershipPort(taken: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 12768);
    if (!taken.has(port) && (await isPortFree(port))) return port;
  }
  throw new SetupError('Found no free port between 20000 and 32767 for the Temporal server\'s membership.');
}

async function pickInternalPorts(): Promise<Omit<TemporalServerPorts, 'frontend'>> {
  const taken = new Set<number>();
  const membership = async () => {
    const port = await freeMembershipPort(taken);
    taken.add(port);
    return port;
  };
  return {
    frontendHttp: await freePort(), frontendMembership: await membership(),
    history: await freePort(), historyMembership: await membership(),
    matching: await freePort(), matchingMembership: await membership(),
    worker: await freePort(), workerMembership: await membership(),
  };
}

/** The server's `--root`: `config/pyfaas.yaml` and the dynamic config file in it. */
function writeConfigFiles(options: TemporalPostgresServerOptions, internalPorts: Omit<TemporalServerPorts, 'frontend'>): string {
  const configDir = path.join(options.stateDir, 'config');
  mkdirSync(configDir, { recursive: true });
  const dynamicConfigFile = path.join(configDir, 'dynamic-config.yaml');
  writeFileSync(dynamicConfigFile, JSON.stringify(temporalDynamicConfig(), null, 2));
  const config = temporalServerConfig({
    host: options.host,
    ports: { frontend: options.port, ...internalPorts },
    historyShards: options.historyShards,
    postgres: { ...options.postgres, user: POSTGRES_USER },
    dynamicConfigFile,
    tls: options.tls,
  });
  writeFileSync(path.join(configDir, 'pyfaas.yaml'), JSON.stringify(config, null, 2));
  return options.stateDir;
}

export function temporalServerArgsFor(root: string): string[] {
  return ['--root', root, '--config', 'config', '--env', 'pyfaas', '--allow-no-auth', 'start'];
}

/** Retries `work` until it resolves or `timeoutMs` passes (the last error is rethrown, wrapped). */
async function retrying<T>(what: string, timeoutMs: number, work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await work();
    } catch (err) {
      if (Date.now() > deadline) throw new SetupError(`Temporal: ${what} failed for ${Math.round(timeoutMs / 1000)} s: ${(err as Error).message}`);
      await sleep(500);
    }
  }
}

/** Registers the namespace unless it exists; true when it was created. */
async function ensureNamespace(target: TemporalConnectionOptions, namespace: string): Promise<boolean> {
  const connection = await Connection.connect(target);
  try {
    const exists = await connection.workflowService.describeNamespace({ namespace }).then(() => true, () => false);
    if (exists) return false;
    await connection.workflowService
      .registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(RETENTION) })
      .catch((err: { code?: number }) => {
        if (err.code !== 6 /* ALREADY_EXISTS */) throw err;
      });
    return true;
  } finally {
    await connection.close();
  }
}

function launch(options: TemporalPostgresServerOptions, root: string, logger: Logger): ManagedProcess {
  return ManagedProcess.start(
    { name: 'temporal', command: options.binaries.server, args: temporalServerArgsFor(root), logFile: path.join(options.logDir, 'temporal.log') },
    logger,
  );
}

/**
 * Starts the real Temporal server on the stack's PostgreSQL: creates and migrates its databases
 * (idempotent), writes its config, starts it, waits until the frontend answers, creates the
 * namespace when missing and registers PyFaaS's search attributes. Each service caches search
 * attributes for up to 60 s, so when any were added the server is restarted once, so every
 * service knows them before the first workflow. Throws SetupError (with the log's last lines)
 * when a step fails; the process is stopped first.
 */
export async function startTemporalPostgresServer(options: TemporalPostgresServerOptions, logger: Logger): Promise<ManagedProcess> {
  const timeoutMs = options.startTimeoutMs ?? 120_000;
  await ensureTemporalSchema({ sqlTool: options.binaries.sqlTool, postgres: { ...options.postgres, user: POSTGRES_USER } }, logger);
  const root = writeConfigFiles(options, options.internalPorts ?? (await pickInternalPorts()));
  const target = temporalConnectionOptions({ address: `${options.host}:${options.port}`, tls: options.tls?.client });
  let service = launch(options, root, logger);
  try {
    await service.waitUntilHealthy(() => temporalAnswers(target), timeoutMs);
    const created = await retrying(`creating namespace ${options.namespace}`, timeoutMs, () => ensureNamespace(target, options.namespace));
    if (created) logger.info({ service: 'temporal', namespace: options.namespace }, `temporal: created namespace ${options.namespace}`);
    // A namespace is known to the frontend a moment after its creation (the registry refreshes every 2 s).
    const added = await retrying('registering search attributes', timeoutMs, () => registerSearchAttributes(target, options.namespace));
    if (added.length === 0) return service;
    logger.info({ service: 'temporal', added }, 'temporal: registered search attributes; restarting so every service sees them');
    await service.stop();
    service = launch(options, root, logger);
    await service.waitUntilHealthy(() => temporalAnswers(target), timeoutMs);
    await retrying(`describing namespace ${options.namespace}`, timeoutMs, () => ensureNamespace(target, options.namespace));
    return service;
  } catch (err) {
    await service.stop();
    throw err;
  }
}

/**
 * A start function for a supervised service: the first start picks the internal ports, every
 * restart reuses them, so the server comes back where its old membership rows say it was.
 */
export function temporalPostgresServerStarter(options: TemporalPostgresServerOptions, logger: Logger): () => Promise<ManagedProcess> {
  let internalPorts = options.internalPorts;
  return async () => {
    internalPorts ??= await pickInternalPorts();
    return startTemporalPostgresServer({ ...options, internalPorts }, logger);
  };
}
