import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SetupError } from '../common/errors';
import type { Logger } from '../common/logger';
import { processAlive } from '../common/process-alive';
import type { Config } from '../infra/config';
import { assertPortsFree } from '../infra/ports';
import { provision } from '../infra/provision';
import { killGroup, ManagedProcess } from '../infra/services/managed-process';
import { SupervisedGroup, type ServiceSpec } from '../infra/services/supervised-group';
import { stackServices, type StackServices } from '../infra/services/supervised-stack';
import { removeServicesStatus, writeServicesStatus } from '../infra/services/supervised-status';
import { temporalServerTls } from '../infra/tls';
import { ADMIN_TOKEN_FILE } from '../modules/auth/tokens/bootstrap';

interface LockFile {
  pid: number;
  apiUrl: string;
  children: number[];
}

function lockPath(config: Config): string {
  return path.join(config.dataDir, 'run', 'up.json');
}

/**
 * One stack per data dir: a live supervisor's lock stops a second `up`; a dead one's lock
 * is cleared after killing whatever its children left behind.
 */
function takeLock(config: Config, logger: Logger): void {
  const file = lockPath(config);
  if (existsSync(file)) {
    const lock = JSON.parse(readFileSync(file, 'utf8')) as LockFile;
    if (processAlive(lock.pid)) {
      throw new SetupError(`PyFaaS is already running from ${config.dataDir} (supervisor pid ${lock.pid}, API at ${lock.apiUrl}); stop it with Ctrl-C or \`kill ${lock.pid}\` first.`);
    }
    for (const child of lock.children) killGroup(child, 'SIGKILL');
    logger.warn({ stalePid: lock.pid }, 'cleared the lock of a supervisor that did not stop cleanly');
  }
  writeLock(config, { pid: process.pid, apiUrl: apiUrlOf(config), children: [] });
}

function writeLock(config: Config, lock: LockFile): void {
  mkdirSync(path.dirname(lockPath(config)), { recursive: true });
  writeFileSync(lockPath(config), JSON.stringify(lock));
}

function apiUrlOf(config: Config): string {
  return `http://${config.api.host}:${config.api.port}`;
}

/** The API as the hub on this machine reaches it (an API bound to every address answers on loopback). */
function loopbackApiUrl(config: Config): string {
  const host = ['0.0.0.0', '::', '[::]'].includes(config.api.host) ? '127.0.0.1' : config.api.host;
  return `http://${host}:${config.api.port}`;
}

/**
 * Where the admin token is, for the "PyFaaS is up" line: the token itself only on the start
 * that created it (like an initial admin password), the file's path on every later one.
 */
function adminTokenNotice(config: Config, existedBefore: boolean): string {
  if (config.auth.adminToken) return 'admin token: the one PYFAAS_ADMIN_TOKEN gives';
  const file = path.join(config.dataDir, ADMIN_TOKEN_FILE);
  if (!existsSync(file)) return 'admin token: none created (the meta store already has tokens)';
  if (existedBefore) return `admin token: in ${file} (TOKEN=$(cat ${file}))`;
  return `admin token (shown once; also in ${file}, mode 0600): ${readFileSync(file, 'utf8').trim()}`;
}

async function readyzOk(url: string): Promise<boolean> {
  const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(3000) });
  return response.status === 200;
}

/**
 * `pyfaas up`: provisions, starts Temporal, Kafka (and PostgreSQL when asked), the Module Hub, then the
 * PyFaaS process in the `all` role; waits for /readyz. A service that dies is restarted
 * with backoff while the others keep running (see `SupervisedGroup`); each service's state
 * is kept in `run/services.json` for /readyz. On SIGINT/SIGTERM, or once one service failed
 * too often, stops everything in reverse order. Resolves with the exit code; throws a
 * SetupError naming the service when it gave up.
 */
export async function up(config: Config, logger: Logger): Promise<number> {
  const { stack: ports } = config;
  const portNames: Record<string, number> = {
    'Temporal frontend': ports.temporalPort,
    'Temporal UI': ports.temporalUiPort,
    'Kafka broker': ports.kafkaPort,
    'Kafka controller': ports.kafkaControllerPort,
    'PyFaaS API': config.api.port,
    'Module Hub': ports.hubPort,
  };
  // The Temporal server keeps its state in the stack's PostgreSQL.
  const serverMode = ports.temporal === 'server';
  const withPostgres = ports.postgres || serverMode;
  if (withPostgres) portNames.PostgreSQL = ports.postgresPort;
  const envFor: Record<string, string> = {
    'Temporal frontend': 'PYFAAS_TEMPORAL_PORT', 'Temporal UI': 'PYFAAS_TEMPORAL_UI_PORT', 'Kafka broker': 'PYFAAS_KAFKA_PORT',
    'Kafka controller': 'PYFAAS_KAFKA_CONTROLLER_PORT', 'PyFaaS API': 'PYFAAS_API_PORT', PostgreSQL: 'PYFAAS_POSTGRES_PORT',
    'Module Hub': 'PYFAAS_HUB_PORT',
  };

  takeLock(config, logger);
  const tokenExisted = existsSync(path.join(config.dataDir, ADMIN_TOKEN_FILE));
  let group: SupervisedGroup | undefined;
  /** Children to kill should this supervisor die: the group's, plus a PyFaaS process not yet healthy. */
  const recordChildren = (extra: number[] = []) =>
    writeLock(config, { pid: process.pid, apiUrl: apiUrlOf(config), children: [...(group?.pids() ?? []), ...extra] });
  const stopAll = async () => {
    await group?.stop();
    rmSync(lockPath(config), { force: true });
    removeServicesStatus(config.dataDir);
  };
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => resolve(signal));
  });

  let stack: StackServices | undefined;
  try {
    const starting = (async () => {
      await assertPortsFree(portNames, (name) => `set ${envFor[name]} to another port`);
      const provisioned = await provision(config.dataDir, { postgres: withPostgres, bubblewrap: true, temporalServer: serverMode }, logger);
      const services = stackServices(
        {
          stateDir: path.join(config.dataDir, 'stack'),
          host: '127.0.0.1',
          temporal: {
            port: ports.temporalPort, uiPort: ports.temporalUiPort, namespace: config.temporal.namespace,
            mode: ports.temporal, historyShards: ports.temporalHistoryShards, tls: temporalServerTls(config),
          },
          kafka: { port: ports.kafkaPort, controllerPort: ports.kafkaControllerPort },
          postgres: withPostgres ? { port: ports.postgresPort, database: 'pyfaas' } : undefined,
          hub: { dir: path.join(config.dataDir, 'hub'), port: ports.hubPort, apiUrl: loopbackApiUrl(config) },
        },
        provisioned,
        logger,
      );
      stack = services;
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        PYFAAS_ROLE: 'all',
        PYFAAS_DATA_DIR: config.dataDir,
        PYFAAS_TEMPORAL_ADDRESS: services.temporalAddress,
        PYFAAS_KAFKA_BROKERS: services.kafkaBrokers?.join(','),
        PYFAAS_API_HOST: config.api.host,
        PYFAAS_API_PORT: String(config.api.port),
        PYFAAS_DATABASE_URL: services.postgresUrl ?? config.database.url,
        PYFAAS_HUB_URL: services.hubUrl,
      };
      const pyfaasSpec: ServiceSpec = {
        name: 'pyfaas',
        what: `starting PyFaaS (role all) on ${apiUrlOf(config)}`,
        async start(signal) {
          const started = ManagedProcess.start(
            { name: 'pyfaas', command: process.execPath, args: [path.join(__dirname, 'pyfaas.js'), 'serve'], env, logFile: path.join(services.logDir, 'pyfaas.log') },
            logger,
          );
          recordChildren(started.pid ? [started.pid] : []);
          // Ctrl-C while it starts: stop it rather than wait out the health deadline.
          const abort = () => void started.stop();
          signal.addEventListener('abort', abort, { once: true });
          try {
            await started.waitUntilHealthy(() => readyzOk(apiUrlOf(config)), 60_000);
          } finally {
            signal.removeEventListener('abort', abort);
          }
          return started;
        },
      };
      group = new SupervisedGroup([...services.specs, pyfaasSpec], {
        logger,
        onChange: (statuses) => {
          writeServicesStatus(config.dataDir, { supervisorPid: process.pid, updatedAt: new Date().toISOString(), services: statuses });
          recordChildren();
        },
      });
      await group.start();
    })();
    const first = await Promise.race([starting.then(() => 'started' as const), signalled]);
    if (first !== 'started') {
      logger.warn({ signal: first }, 'interrupted during start-up; stopping what started');
      await starting.catch(() => undefined);
      await stopAll();
      return 130;
    }
  } catch (err) {
    await stopAll();
    throw err;
  }

  logger.info(
    { api: apiUrlOf(config), temporalUi: `http://127.0.0.1:${ports.temporalUiPort}`, temporal: stack!.temporalAddress, kafka: stack!.kafkaBrokers, hub: stack!.hubUrl, logs: stack!.logDir },
    `PyFaaS is up — API ${apiUrlOf(config)}  ·  Temporal UI http://127.0.0.1:${ports.temporalUiPort}  ·  Module Hub ${stack!.hubUrl}  ·  Ctrl-C stops everything`,
  );
  logger.info(adminTokenNotice(config, tokenExisted));
  const outcome = await Promise.race([signalled, group!.gaveUp]);
  if (typeof outcome === 'string') {
    logger.info({ signal: outcome }, 'stopping the stack');
    await stopAll();
    return 0;
  }
  await stopAll();
  throw new SetupError(`${outcome.sentence}; stopped the stack.`);
}
