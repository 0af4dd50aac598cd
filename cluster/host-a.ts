/**
 * Host A of the test topology, run inside its namespace: PostgreSQL, Temporal, Kafka and the
 * object store (versitygw), each bound to the host's own address and kept running by a
 * `SupervisedGroup` (a service SIGKILLed by a fault is restarted on the same port and state).
 * Its plan comes as JSON in PYFAAS_CLUSTER_HOST_A; each service's state goes to
 * `<dataDir>/run/services.json`; "host A is up" is printed once every service is healthy.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { SetupError } from '../common/errors';
import { createLogger } from '../common/logger';
import { isListening } from '../infra/ports';
import { ManagedProcess } from '../infra/services/managed-process';
import { startPostgresServer } from '../infra/services/postgres-server';
import { SupervisedGroup, type ServiceSpec } from '../infra/services/supervised-group';
import { stackServices } from '../infra/services/supervised-stack';
import { writeServicesStatus } from '../infra/services/supervised-status';
import { temporalStarts } from '../infra/services/temporal-start';
import { HOST_A_PORTS, type HostAPlan } from './host-a-plan';

const logger = createLogger({ level: 'info', name: 'cluster-host-a' });

function versitygwSpec(plan: HostAPlan, logDir: string): ServiceSpec {
  const dir = path.join(plan.dataDir, 'objects');
  return {
    name: 'versitygw',
    what: `starting versitygw (S3 API) on ${plan.address}:${HOST_A_PORTS.s3}`,
    async start() {
      mkdirSync(path.join(dir, plan.s3.bucket), { recursive: true });
      // Credentials by environment, not argv: argv is visible to every user in `ps`.
      const env = { PATH: process.env.PATH, HOME: process.env.HOME, ROOT_ACCESS_KEY: plan.s3.accessKeyId, ROOT_SECRET_KEY: plan.s3.secretAccessKey };
      const started = ManagedProcess.start({ name: 'versitygw', command: plan.versitygw, args: ['--port', `${plan.address}:${HOST_A_PORTS.s3}`, 'posix', dir], env, logFile: path.join(logDir, 'versitygw.log') }, logger);
      await started.waitUntilHealthy(() => isListening(HOST_A_PORTS.s3, plan.address), 20_000);
      return started;
    },
  };
}

async function main(): Promise<void> {
  const plan = JSON.parse(process.env.PYFAAS_CLUSTER_HOST_A ?? '') as HostAPlan;
  const stateDir = path.join(plan.dataDir, 'stack');
  mkdirSync(stateDir, { recursive: true, mode: 0o755 }); // PostgreSQL (its own user) must reach its cluster below
  const logDir = path.join(stateDir, 'logs');
  const postgresPlan = { port: HOST_A_PORTS.postgres, database: 'pyfaas' };
  const postgresOptions = { stateDir: path.join(stateDir, 'postgres'), logDir, host: plan.address, ...postgresPlan, trustCidrs: [plan.subnet] };
  // PostgreSQL first: the real Temporal server keeps its state there.
  const postgres: ServiceSpec = { name: 'postgres', what: `starting PostgreSQL on ${plan.address}:${HOST_A_PORTS.postgres}`, start: () => startPostgresServer(postgresOptions, logger) };
  // The dev server's own services dial each other on 127.0.0.1 whatever --ip says: it binds
  // every address of this host (loopback and the bridge address, nothing else in this namespace).
  const temporalHost = plan.temporal === 'dev' ? '0.0.0.0' : plan.address;
  const temporalPlan = { port: HOST_A_PORTS.temporal, namespace: 'default', mode: plan.temporal };
  // No uiPort: host A runs headless.
  const temporal = temporalStarts({ stateDir, host: temporalHost, temporal: temporalPlan, postgres: postgresPlan }, plan.provisioned, logger);
  const kafka = stackServices({ stateDir, host: plan.address, kafka: { port: HOST_A_PORTS.kafka, controllerPort: HOST_A_PORTS.kafkaController } }, plan.provisioned, logger);
  const group = new SupervisedGroup([postgres, ...temporal, ...kafka.specs, versitygwSpec(plan, logDir)], {
    logger,
    onChange: (statuses) => writeServicesStatus(plan.dataDir, { supervisorPid: process.pid, updatedAt: new Date().toISOString(), services: statuses }),
  });
  const stopped = new Promise<string>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve(signal));
  });
  try {
    await group.start();
    console.log('host A is up');
    const outcome = await Promise.race([stopped, group.gaveUp]);
    if (typeof outcome !== 'string') throw new SetupError(outcome.sentence);
  } finally {
    await group.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    logger.error({ err }, `host A failed: ${(err as Error).message}`);
    process.exit(1);
  },
);
