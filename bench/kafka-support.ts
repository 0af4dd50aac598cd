import type { Kafka, KafkaMessage, Message } from 'kafkajs';

export const PARTITIONS = 3;

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
