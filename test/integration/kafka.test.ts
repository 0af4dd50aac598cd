import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { testServices } from '../support/services';

describe('Kafka broker with kafkajs', () => {
  it('round-trips records through a consumer group, committing offsets', async () => {
    const kafka = new Kafka({ brokers: testServices().kafkaBrokers, clientId: 'pyfaas-test', logLevel: logLevel.NOTHING });
    const topic = `roundtrip-${randomUUID()}`;
    const groupId = `group-${randomUUID()}`;
    const admin = kafka.admin();
    const producer = kafka.producer();
    const consumer = kafka.consumer({ groupId });
    await Promise.all([admin.connect(), producer.connect(), consumer.connect()]);
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
      const sent = Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: JSON.stringify({ n: i }) }));
      await producer.send({ topic, messages: sent });

      const received: number[] = [];
      await consumer.subscribe({ topic, fromBeginning: true });
      const done = new Promise<void>((resolve) => {
        void consumer.run({
          eachMessage: async ({ message }) => {
            received.push(JSON.parse(message.value!.toString()).n);
            if (received.length === sent.length) resolve();
          },
        });
      });
      await done;
      expect(received.sort((a, b) => a - b)).toEqual(sent.map((_, i) => i));

      // The group committed its position: nothing is left to read for it.
      await consumer.stop();
      const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
      const committed = offsets[0].partitions.reduce((sum, p) => sum + Number(p.offset), 0);
      expect(committed).toBe(sent.length);
    } finally {
      await Promise.all([consumer.disconnect(), producer.disconnect()]);
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
