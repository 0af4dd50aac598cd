import type { Kafka, Message, Producer } from 'kafkajs';

/**
 * One idempotent kafkajs producer, connected on first use and rebuilt after a failure:
 * destinations and dead letters publish through it. Every send waits for all in-sync replicas
 * (acks -1); errors are thrown for the caller to retry.
 */
export class KafkaPublisher {
  private producer?: Promise<Producer>;

  constructor(private readonly kafka: Kafka) {}

  async send(topic: string, messages: Message[]): Promise<void> {
    const producer = await this.connected();
    try {
      await producer.send({ topic, acks: -1, messages });
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.then((p) => p.disconnect()).catch(() => undefined);
  }

  private connected(): Promise<Producer> {
    if (this.producer) return this.producer;
    const producer = (async () => {
      const created = this.kafka.producer({ allowAutoTopicCreation: true, idempotent: true, maxInFlightRequests: 1 });
      await created.connect();
      return created;
    })();
    producer.catch(() => this.producer === producer && (this.producer = undefined));
    this.producer = producer;
    return producer;
  }
}
