import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { SetupError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { requireExecutable, runCommand, tail } from '../command';
import { ManagedProcess } from './managed-process';
import { kafkaAnswers } from './probes';

export interface KafkaBrokerOptions {
  libDir: string;
  /** Holds the KRaft metadata and the topic logs. */
  stateDir: string;
  logDir: string;
  host: string;
  port: number;
  controllerPort: number;
  /** JVM heap ceiling, e.g. "384m": a single dev broker needs little. */
  heap?: string;
  startTimeoutMs?: number;
}

export function kafkaServerProperties(options: KafkaBrokerOptions): string {
  const { host, port, controllerPort } = options;
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@${host}:${controllerPort}`,
    `listeners=PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://${host}:${port}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${path.join(options.stateDir, 'logs')}`,
    'num.partitions=1',
    // A single node: without these the group coordinator never comes up.
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    // After a crash the restarted node waits out its old registration's session before it
    // serves (9 s by default); a single node has no other broker to protect by waiting.
    'broker.session.timeout.ms=3000',
    'broker.heartbeat.interval.ms=500',
    'auto.create.topics.enable=true',
    '',
  ].join('\n');
}

const LOG4J_CONFIG = [
  'Configuration:',
  '  Appenders:',
  '    Console:',
  '      name: STDOUT',
  '      PatternLayout:',
  '        Pattern: "[%d] %p %m (%c)%n"',
  '  Loggers:',
  '    Root:',
  '      level: WARN',
  '      AppenderRef:',
  '        - ref: STDOUT',
  '',
].join('\n');

function javaArgs(options: KafkaBrokerOptions, mainClass: string, rest: string[]): string[] {
  const heap = options.heap ?? '384m';
  return [
    `-Xms64m`, `-Xmx${heap}`, '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${path.join(options.stateDir, 'log4j2.yaml')}`,
    '-cp', `${options.libDir}/*`, mainClass, ...rest,
  ];
}

/** Formats the KRaft storage once; later starts reuse it (and its cluster id). */
async function formatStorageOnce(java: string, options: KafkaBrokerOptions, propertiesFile: string, logger: Logger): Promise<void> {
  if (existsSync(path.join(options.stateDir, 'logs', 'meta.properties'))) return;
  // A Kafka cluster id is a base64url UUID; one starting with '-' would read as an option to the tool.
  const clusterId = `A${randomBytes(16).toString('base64url').slice(1, 22)}`;
  logger.info({ service: 'kafka', clusterId }, 'kafka: formatting KRaft storage');
  const { code, output } = await runCommand(java, javaArgs(options, 'kafka.tools.StorageTool', ['format', '-t', clusterId, '-c', propertiesFile]), { timeoutMs: 120_000 });
  if (code !== 0) throw new SetupError(`Formatting the Kafka storage in ${options.stateDir} failed. Last lines:\n${tail(output)}`);
}

/** Starts a single-node KRaft broker and waits until it answers metadata requests. */
export async function startKafkaBroker(options: KafkaBrokerOptions, logger: Logger): Promise<ManagedProcess> {
  const java = requireExecutable('java', 'install a Java 17+ runtime (apt-get install openjdk-17-jre-headless) to run Kafka');
  mkdirSync(options.stateDir, { recursive: true });
  const propertiesFile = path.join(options.stateDir, 'server.properties');
  writeFileSync(propertiesFile, kafkaServerProperties(options));
  writeFileSync(path.join(options.stateDir, 'log4j2.yaml'), LOG4J_CONFIG);
  await formatStorageOnce(java, options, propertiesFile, logger);
  const service = ManagedProcess.start(
    { name: 'kafka', command: java, args: javaArgs(options, 'kafka.Kafka', [propertiesFile]), logFile: path.join(options.logDir, 'kafka.log'), stopTimeoutMs: 30_000 },
    logger,
  );
  await service.waitUntilHealthy(() => kafkaAnswers([`${options.host}:${options.port}`]), options.startTimeoutMs ?? 90_000);
  return service;
}
