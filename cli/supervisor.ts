import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SetupError } from '../common/errors';
import type { Logger } from '../common/logger';
import type { Config } from '../infra/config';
import { assertPortsFree } from '../infra/ports';
import { step } from '../infra/progress';
import { provision } from '../infra/provision';
import { startStack, type RunningStack } from '../infra/stack';
import { isAlive, killGroup, ManagedProcess, sleep } from '../infra/services/managed-process';
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
    if (isAlive(lock.pid)) {
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
 * `pyfaas up`: provisions, starts Temporal, Kafka (and PostgreSQL when asked), then the
 * PyFaaS process in the `all` role; waits for /readyz; on SIGINT/SIGTERM (or when a
 * service dies) stops everything in reverse order. Resolves with the exit code.
 */
export async function up(config: Config, logger: Logger): Promise<number> {
  const { stack: ports } = config;
  const portNames: Record<string, number> = {
    'Temporal frontend': ports.temporalPort,
    'Temporal UI': ports.temporalUiPort,
    'Kafka broker': ports.kafkaPort,
    'Kafka controller': ports.kafkaControllerPort,
    'PyFaaS API': config.api.port,
  };
  if (ports.postgres) portNames.PostgreSQL = ports.postgresPort;
  const envFor: Record<string, string> = {
    'Temporal frontend': 'PYFAAS_TEMPORAL_PORT', 'Temporal UI': 'PYFAAS_TEMPORAL_UI_PORT', 'Kafka broker': 'PYFAAS_KAFKA_PORT',
    'Kafka controller': 'PYFAAS_KAFKA_CONTROLLER_PORT', 'PyFaaS API': 'PYFAAS_API_PORT', PostgreSQL: 'PYFAAS_POSTGRES_PORT',
  };

  takeLock(config, logger);
  const tokenExisted = existsSync(path.join(config.dataDir, ADMIN_TOKEN_FILE));
  let stack: RunningStack | undefined;
  let pyfaas: ManagedProcess | undefined;
  let stopping = false;
  const stopAll = async () => {
    stopping = true;
    if (pyfaas) await step(logger, 'stop-pyfaas', 'stopping the PyFaaS process', () => pyfaas!.stop());
    await stack?.stop();
    rmSync(lockPath(config), { force: true });
  };
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => resolve(signal));
  });

  try {
    const starting = (async () => {
      await assertPortsFree(portNames, (name) => `set ${envFor[name]} to another port`);
      const provisioned = await provision(config.dataDir, { postgres: ports.postgres, bubblewrap: true }, logger);
      stack = await startStack(
        {
          stateDir: path.join(config.dataDir, 'stack'),
          host: '127.0.0.1',
          temporal: { port: ports.temporalPort, uiPort: ports.temporalUiPort, namespace: config.temporal.namespace },
          kafka: { port: ports.kafkaPort, controllerPort: ports.kafkaControllerPort },
          postgres: ports.postgres ? { port: ports.postgresPort, database: 'pyfaas' } : undefined,
        },
        provisioned,
        logger,
      );
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        PYFAAS_ROLE: 'all',
        PYFAAS_DATA_DIR: config.dataDir,
        PYFAAS_TEMPORAL_ADDRESS: stack.temporalAddress,
        PYFAAS_KAFKA_BROKERS: stack.kafkaBrokers?.join(','),
        PYFAAS_API_HOST: config.api.host,
        PYFAAS_API_PORT: String(config.api.port),
        PYFAAS_DATABASE_URL: stack.postgresUrl ?? config.database.url,
      };
      const started = ManagedProcess.start(
        { name: 'pyfaas', command: process.execPath, args: [path.join(__dirname, 'pyfaas.js'), 'serve'], env, logFile: path.join(stack.logDir, 'pyfaas.log') },
        logger,
      );
      pyfaas = started;
      writeLock(config, { pid: process.pid, apiUrl: apiUrlOf(config), children: [...stack.services, started].map((s) => s.pid ?? 0).filter(Boolean) });
      await step(logger, 'pyfaas', `starting PyFaaS (role all) on ${apiUrlOf(config)}`, () => started.waitUntilHealthy(() => readyzOk(apiUrlOf(config)), 60_000));
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

  const running = [...stack!.services, pyfaas!];
  logger.info(
    { api: apiUrlOf(config), temporalUi: `http://127.0.0.1:${ports.temporalUiPort}`, temporal: stack!.temporalAddress, kafka: stack!.kafkaBrokers, logs: stack!.logDir },
    `PyFaaS is up — API ${apiUrlOf(config)}  ·  Temporal UI http://127.0.0.1:${ports.temporalUiPort}  ·  Ctrl-C stops everything`,
  );
  logger.info(adminTokenNotice(config, tokenExisted));
  const died = Promise.race(running.map((service) => service.exited.then(() => service)));
  const outcome = await Promise.race([signalled, died]);
  if (typeof outcome === 'string') {
    logger.info({ signal: outcome }, 'stopping the stack');
    await stopAll();
    return 0;
  }
  if (!stopping) logger.error({ service: outcome.name, log: outcome.options.logFile }, `${outcome.name} exited unexpectedly; stopping the stack. Last lines:\n${outcome.logTail()}`);
  await sleep(0);
  await stopAll();
  return 1;
}
