import path from 'node:path';
import type { Logger } from '../../common/logger';
import type { Provisioned } from '../provision';
import type { StackPlan } from '../stack';
import { startHubServer } from './hub-server';
import { startKafkaBroker } from './kafka-broker';
import { postgresUrl, startPostgresServer } from './postgres-server';
import type { ServiceSpec } from './supervised-group';
import { temporalStarts } from './temporal-start';

export interface StackServices {
  /** PostgreSQL, Temporal, Kafka, the Module Hub as planned, in start order; each start can be called again. */
  specs: ServiceSpec[];
  temporalAddress?: string;
  kafkaBrokers?: string[];
  postgresUrl?: string;
  hubUrl?: string;
  logDir: string;
}

/**
 * The services of `startStack`'s plan as restartable specs, for a `SupervisedGroup`: each
 * spec's start is the service's own start function with the same options, so a restart
 * comes back on the same ports with the same state dir (Temporal's SQLite file or databases,
 * Kafka's log dir, PostgreSQL's cluster, the hub's storage).
 */
export function stackServices(plan: StackPlan, provisioned: Provisioned, logger: Logger): StackServices {
  const logDir = path.join(plan.stateDir, 'logs');
  const stack: StackServices = { specs: [], logDir };
  if (plan.postgres) {
    const options = { stateDir: path.join(plan.stateDir, 'postgres'), logDir, host: plan.host, ...plan.postgres };
    stack.specs.push({ name: 'postgres', what: `starting PostgreSQL on ${plan.host}:${options.port}`, start: () => startPostgresServer(options, logger) });
    stack.postgresUrl = postgresUrl(options);
  }
  stack.specs.push(...temporalStarts(plan, provisioned, logger));
  if (plan.temporal) stack.temporalAddress = `${plan.host}:${plan.temporal.port}`;
  if (plan.kafka) {
    const { port, controllerPort } = plan.kafka;
    const options = { libDir: provisioned.kafkaLibDir, stateDir: path.join(plan.stateDir, 'kafka'), logDir, host: plan.host, port, controllerPort };
    stack.specs.push({ name: 'kafka', what: `starting Kafka on ${plan.host}:${port}`, start: () => startKafkaBroker(options, logger) });
    stack.kafkaBrokers = [`${plan.host}:${port}`];
  }
  if (plan.hub) {
    // The hub asks the API about tokens only when a request comes, so it may start first.
    const options = { logDir, host: plan.host, ...plan.hub };
    stack.specs.push({ name: 'hub', what: `starting the Module Hub (Verdaccio) on ${plan.host}:${options.port}`, start: () => startHubServer(options, logger) });
    stack.hubUrl = `http://${plan.host}:${options.port}`;
  }
  return stack;
}
