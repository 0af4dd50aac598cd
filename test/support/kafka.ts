import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';

export interface ReadRecord {
  key: string | undefined;
  value: string | undefined;
  headers: Record<string, string>;
}

/** Subscribing to a topic nobody has written yet fails: try again until someone does. */
async function subscribeWhenCreated(consumer: Consumer, topic: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      return;
    } catch (err) {
      if (Date.now() > deadline || !/does not host this topic-partition/.test((err as Error).message)) throw err;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

/**
 * Reads `count` records of a topic from the beginning (a fresh group), headers decoded as
 * text; throws when fewer arrive within `timeoutMs`.
 */
export async function readTopic(kafka: Kafka, topic: string, count: number, timeoutMs = 60_000): Promise<ReadRecord[]> {
  const consumer = kafka.consumer({ groupId: `reader-${randomUUID().slice(0, 8)}` });
  const records: ReadRecord[] = [];
  await consumer.connect();
  let timer: NodeJS.Timeout | undefined;
  try {
    await subscribeWhenCreated(consumer, topic, timeoutMs);
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`read ${records.length} of ${count} records of ${topic} in ${timeoutMs} ms`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ message }) => {
          const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
          records.push({ key: message.key?.toString(), value: message.value?.toString(), headers });
          if (records.length >= count) resolve();
        },
      });
    });
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
  return records;
}
