import path from 'node:path';
import type { Logger } from '../common/logger';
import { step } from './progress';
import type { Provisioned } from './provision';
import { startHubServer } from './services/hub-server';
import { startKafkaBroker } from './services/kafka-broker';
import type { ManagedProcess } from './services/managed-process';
import { postgresUrl, startPostgresServer } from './services/postgres-server';
import type { TemporalFrontendTls } from './services/temporal-server-config';
import { temporalStarts } from './services/temporal-start';
import type { TemporalClientTls } from './tls/temporal-connection';

export interface StackPlan {
  /** Parent of each service's state (`temporal/`, `kafka/`, `postgres/`) and `logs/`. */
  stateDir: string;
  host: string;
  temporal?: {
    port: number;
    uiPort?: number;
    namespace: string;
    /** `dev` (default): the CLI's dev server on SQLite; `server`: the real server on `postgres` (config stack.temporal). */
    mode?: 'dev' | 'server';
    /** Server mode: history shards, fixed at the database's first start (see temporal-server-config.ts). */
    historyShards?: number;
    /** Server mode: the frontend's TLS and how clients (the server's system worker, the start-up calls) reach it. */
    tls?: { frontend: TemporalFrontendTls; client: TemporalClientTls };
  };
  kafka?: { port: number; controllerPort: number };
  postgres?: { port: number; database: string };
  /** The Module Hub: its own dir (`<dataDir>/hub`), its port, and the API that checks its tokens. */
  hub?: { dir: string; port: number; apiUrl: string };
}

export interface RunningStack {
  services: ManagedProcess[];
  temporalAddress?: string;
  kafkaBrokers?: string[];
  postgresUrl?: string;
  hubUrl?: string;
  logDir: string;
  /** Stops the services in the reverse order of their start. */
  stop(): Promise<void>;
}

/**
 * Starts the planned services in order (PostgreSQL, which the Temporal server keeps its state
 * in, then Temporal, Kafka, the hub), each waited for until healthy. When one fails, the
 * ones already started are stopped before rethrowing.
 */
export async function startStack(plan: StackPlan, provisioned: Provisioned, logger: Logger): Promise<RunningStack> {
  const logDir = path.join(plan.stateDir, 'logs');
  const services: ManagedProcess[] = [];
  const stack: RunningStack = {
    services,
    logDir,
    async stop() {
      for (const service of [...services].reverse()) {
        await step(logger, `stop-${service.name}`, `stopping ${service.name}`, () => service.stop());
      }
      services.length = 0;
    },
  };
  try {
    if (plan.postgres) {
      const options = { stateDir: path.join(plan.stateDir, 'postgres'), logDir, host: plan.host, ...plan.postgres };
      services.push(await step(logger, 'postgres', `starting PostgreSQL on ${plan.host}:${options.port}`, () => startPostgresServer(options, logger)));
      stack.postgresUrl = postgresUrl(options);
    }
    for (const temporal of temporalStarts(plan, provisioned, logger)) services.push(await step(logger, temporal.name, temporal.what, temporal.start));
    if (plan.temporal) stack.temporalAddress = `${plan.host}:${plan.temporal.port}`;
    if (plan.kafka) {
      const { port, controllerPort } = plan.kafka;
      services.push(
        await step(logger, 'kafka', `starting Kafka on ${plan.host}:${port}`, () =>
          startKafkaBroker({ libDir: provisioned.kafkaLibDir, stateDir: path.join(plan.stateDir, 'kafka'), logDir, host: plan.host, port, controllerPort }, logger),
        ),
      );
      stack.kafkaBrokers = [`${plan.host}:${port}`];
    }
    if (plan.hub) {
      const options = { logDir, host: plan.host, ...plan.hub };
      services.push(await step(logger, 'hub', `starting the Module Hub (Verdaccio) on ${plan.host}:${options.port}`, () => startHubServer(options, logger)));
      stack.hubUrl = `http://${plan.host}:${options.port}`;
    }
    return stack;
  } catch (err) {
    await stack.stop();
    throw err;
  }
}
