import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel, type KafkaMessage, type Message } from 'kafkajs';
import { createLogger, type Logger } from '../common/logger';
import { PACKAGE_ROOT } from '../common/paths';
import { freePort } from '../infra/ports';
import { provision } from '../infra/provision';
import { startStack, type RunningStack } from '../infra/stack';

export const PARTITIONS = 3;

export interface KafkaBench {
  logger: Logger;
  dataDir: string;
  stack: RunningStack;
  kafka: Kafka;
  /** Creates a topic of PARTITIONS partitions named `<prefix>-<n>`. */
  newTopic(prefix: string): Promise<string>;
  /** Disconnects and stops the stack, removing its data. */
  close(): Promise<void>;
}

/** A Temporal dev server and a Kafka broker of the benchmark's own, on free ports, in a temporary data dir. */
export async function startKafkaBench(name: string, needs: { bubblewrap: boolean }): Promise<KafkaBench> {
  const logger = createLogger({ level: 'info', name: 'bench', pretty: Boolean(process.stderr.isTTY) });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `pyfaas-bench-${name}-`));
  const provisioned = await provision(path.join(PACKAGE_ROOT, '.pyfaas'), { postgres: false, bubblewrap: needs.bubblewrap }, logger);
  const stack = await startStack(
    { stateDir: path.join(dataDir, 'stack'), host: '127.0.0.1', temporal: { port: await freePort(), namespace: 'default' }, kafka: { port: await freePort(), controllerPort: await freePort() } },
    provisioned,
    logger,
  );
  const kafka = new Kafka({ brokers: stack.kafkaBrokers!, clientId: 'bench', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  let topics = 0;
  return {
    logger, dataDir, stack, kafka,
    async newTopic(prefix) {
      const topic = `${prefix}-${(topics += 1)}`;
      await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
      return topic;
    },
    async close() {
      await admin.disconnect().catch(() => undefined);
      await stack.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface BareConsumerOptions {
  kafka: Kafka;
  topic: string;
  groupId: string;
  /** Starts in flight at once, across partitions. */
  window: number;
}

/**
 * The baseline consumer: plain kafkajs, one `start` per record of a batch, `window` at a time
 * across partitions; kafkajs resolves and commits after each batch. Answers its stop function.
 */
export async function bareConsumer(options: BareConsumerOptions, start: (partition: number, message: KafkaMessage) => Promise<void>): Promise<() => Promise<void>> {
  const consumer = options.kafka.consumer({ groupId: options.groupId, maxWaitTimeInMs: 1000 });
  await consumer.connect();
  await consumer.subscribe({ topic: options.topic, fromBeginning: true });
  let inFlight = 0;
  const waiters: Array<() => void> = [];
  const acquire = async () => {
    while (inFlight >= options.window) await new Promise<void>((resolve) => waiters.push(resolve));
    inFlight += 1;
  };
  const release = () => {
    inFlight -= 1;
    waiters.shift()?.();
  };
  await consumer.run({
    partitionsConsumedConcurrently: PARTITIONS,
    eachBatch: async ({ batch, heartbeat }) => {
      const pending: Array<Promise<void>> = [];
      for (const message of batch.messages) {
        await acquire();
        pending.push(start(batch.partition, message).finally(release));
      }
      await Promise.all(pending);
      await heartbeat();
    },
  });
  return () => consumer.disconnect();
}

/** `count` JSON records `{n}` round-robin over the partitions, in sends of 1,000. */
export async function produce(kafka: Kafka, topic: string, count: number): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  for (let from = 0; from < count; from += 1000) {
    const messages: Message[] = [];
    for (let n = from; n < Math.min(count, from + 1000); n += 1) messages.push({ partition: n % PARTITIONS, value: JSON.stringify({ n }) });
    await producer.send({ topic, messages });
  }
  await producer.disconnect();
}

/** One record every 1/rate s, each sent on its own (its timestamp is its send time). */
export async function produceSteadily(kafka: Kafka, topic: string, count: number, rate: number): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  const begin = Date.now();
  for (let n = 0; n < count; n += 1) {
    const due = begin + (n * 1000) / rate;
    if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    await producer.send({ topic, messages: [{ partition: n % PARTITIONS, value: JSON.stringify({ n }) }] });
  }
  await producer.disconnect();
}
