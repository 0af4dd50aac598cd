import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SetupError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { requireExecutable, runCommand, tail } from '../command';
import { step } from '../progress';

/**
 * Kafka 4.1 runs KRaft only and still speaks every protocol version kafkajs 2.2.4 uses
 * for produce, fetch and consumer groups (checked by test/integration/kafka.test.ts).
 */
export const KAFKA_VERSION = '4.1.1';
const LOG4J_VERSION = '2.24.3';
const SLF4J_VERSION = '2.0.17';

export function kafkaLibDir(dataDir: string): string {
  return path.join(dataDir, 'kafka', KAFKA_VERSION, 'libs');
}

/** A pom whose only purpose is to let Maven resolve the broker and its runtime jars. */
export function kafkaPom(): string {
  const dependency = (groupId: string, artifactId: string, version: string) =>
    `    <dependency><groupId>${groupId}</groupId><artifactId>${artifactId}</artifactId><version>${version}</version></dependency>`;
  return [
    '<project xmlns="http://maven.apache.org/POM/4.0.0">',
    '  <modelVersion>4.0.0</modelVersion>',
    '  <groupId>dev.pyfaas</groupId><artifactId>kafka-runtime</artifactId><version>1</version><packaging>pom</packaging>',
    '  <dependencies>',
    dependency('org.apache.kafka', 'kafka_2.13', KAFKA_VERSION),
    // The command-line tools (console producer and consumer) the README's examples use.
    dependency('org.apache.kafka', 'kafka-tools', KAFKA_VERSION),
    dependency('org.apache.logging.log4j', 'log4j-slf4j2-impl', LOG4J_VERSION),
    dependency('org.slf4j', 'slf4j-api', SLF4J_VERSION),
    '  </dependencies>',
    '</project>',
    '',
  ].join('\n');
}

/** What the marker says once every jar of `kafkaPom()` is there; a change to the pom changes it. */
const COMPLETE = `${KAFKA_VERSION} broker+tools`;

function isComplete(libDir: string): boolean {
  const marker = path.join(libDir, '.complete');
  return existsSync(marker) && readFileSync(marker, 'utf8').trim() === COMPLETE;
}

/**
 * Fetches the Kafka broker jars from Maven Central into `<dataDir>/kafka/<version>/libs`,
 * once. A half-finished download is never taken for a finished one (marker file).
 * Throws SetupError when Java or Maven is missing or Maven cannot resolve the jars.
 */
export async function ensureKafkaJars(dataDir: string, logger: Logger): Promise<string> {
  const libDir = kafkaLibDir(dataDir);
  requireExecutable('java', 'install a Java 17+ runtime (apt-get install openjdk-17-jre-headless) to run Kafka');
  if (isComplete(libDir)) {
    logger.info({ step: 'kafka-jars', libDir }, `kafka-jars: Kafka ${KAFKA_VERSION} already fetched`);
    return libDir;
  }
  const mvn = requireExecutable('mvn', 'install Apache Maven (apt-get install maven) to fetch the Kafka jars');
  const versionDir = path.dirname(libDir);
  mkdirSync(versionDir, { recursive: true });
  rmSync(libDir, { recursive: true, force: true });
  writeFileSync(path.join(versionDir, 'pom.xml'), kafkaPom());
  await step(logger, 'kafka-jars', `fetching Kafka ${KAFKA_VERSION} jars from Maven Central`, async () => {
    const { code, output } = await runCommand(
      mvn,
      ['-B', '-q', 'dependency:copy-dependencies', `-DoutputDirectory=${libDir}`, '-DincludeScope=runtime'],
      { cwd: versionDir, timeoutMs: 20 * 60_000 },
    );
    if (code !== 0) {
      throw new SetupError(`Maven could not fetch Kafka ${KAFKA_VERSION}; check that Maven Central answers. Last lines:\n${tail(output)}`);
    }
  });
  const jars = readdirSync(libDir).filter((name) => name.endsWith('.jar'));
  if (!jars.some((name) => name.startsWith(`kafka_2.13-${KAFKA_VERSION}`))) {
    throw new SetupError(`Maven finished but ${libDir} holds no kafka_2.13-${KAFKA_VERSION} jar.`);
  }
  writeFileSync(path.join(libDir, '.complete'), COMPLETE);
  return libDir;
}
