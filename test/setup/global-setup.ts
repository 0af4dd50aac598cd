import { chmodSync, mkdirSync, mkdtempSync } from 'node:fs';
import path from 'node:path';
import { createLogger } from '../../common/logger';
import { loadConfig } from '../../infra/config';
import { freePort } from '../../infra/ports';
import { provision } from '../../infra/provision';
import { startStack, type RunningStack } from '../../infra/stack';
import { REPO_DATA_DIR, TEST_ENV } from '../support/services';

declare global {
  // eslint-disable-next-line no-var
  var __pyfaasTestStack: { stack?: RunningStack; stateDir: string } | undefined;
}

/**
 * Starts the real Temporal dev server (or with PYFAAS_TEMPORAL=server the real Temporal server
 * on the run's PostgreSQL), Kafka and PostgreSQL on free ports for this run (state in a fresh directory), unless PYFAAS_TEST_TEMPORAL_ADDRESS, PYFAAS_TEST_KAFKA_BROKERS
 * and PYFAAS_TEST_POSTGRES_URL already name running ones. Provisioned tools are cached in
 * the repo's `.pyfaas/`, so only the first run builds them.
 */
export default async function globalSetup(): Promise<void> {
  const logger = createLogger({ level: 'info', name: 'test-setup', pretty: Boolean(process.stdout.isTTY) });
  const reuse = TEST_ENV.every((name) => process.env[name]);
  const temporalMode = loadConfig({ PYFAAS_TEMPORAL: process.env.PYFAAS_TEMPORAL }).stack.temporal;
  const provisioned = await provision(REPO_DATA_DIR, { postgres: true, bubblewrap: true, temporalServer: temporalMode === 'server' }, logger);
  process.env.PYFAAS_TEST_TEMPORAL_CLI = provisioned.temporalCli;
  process.env.PYFAAS_TEST_KAFKA_LIBS = provisioned.kafkaLibDir;
  if (reuse) {
    logger.info('using the services named by PYFAAS_TEST_* variables');
    return;
  }
  const runsDir = path.join(REPO_DATA_DIR, 'test-runs');
  mkdirSync(runsDir, { recursive: true });
  const stateDir = mkdtempSync(path.join(runsDir, 'run-'));
  chmodSync(stateDir, 0o755); // PostgreSQL runs as its own user and must reach its data dir
  const stack = await startStack(
    {
      stateDir,
      host: '127.0.0.1',
      temporal: { port: await freePort(), namespace: 'default', mode: temporalMode },
      kafka: { port: await freePort(), controllerPort: await freePort() },
      postgres: { port: await freePort(), database: 'pyfaas_test' },
    },
    provisioned,
    logger,
  );
  globalThis.__pyfaasTestStack = { stack, stateDir };
  process.env.PYFAAS_TEST_TEMPORAL_ADDRESS = stack.temporalAddress;
  process.env.PYFAAS_TEST_KAFKA_BROKERS = stack.kafkaBrokers?.join(',');
  process.env.PYFAAS_TEST_POSTGRES_URL = stack.postgresUrl;
  process.env.PYFAAS_TEST_STATE_DIR = stateDir;
}
