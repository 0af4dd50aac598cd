import type { Message, Producer } from 'kafkajs';
import type { Logger } from '../../../common/logger';
import { createKafkaClient } from './kafka-client';

/**
 * One idempotent kafkajs producer per process, connected on first use and rebuilt after a
 * failure: destinations and dead letters outside the bridge publish through it. Every send
 * waits for all in-sync replicas (acks -1); errors are thrown for the caller to retry.
 */
export class KafkaPublisher {
  private producer?: Promise<Producer>;

  constructor(private readonly options: { brokers: string[]; clientId: string; logger: Logger }) {}

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
    const kafka = createKafkaClient({ ...this.options, logger: this.options.logger.child({ component: 'kafka-publisher' }) });
    const producer = (async () => {
      const created = kafka.producer({ allowAutoTopicCreation: true, idempotent: true, maxInFlightRequests: 1 });
      await created.connect();
      return created;
    })();
    producer.catch(() => this.producer === producer && (this.producer = undefined));
    this.producer = producer;
    return producer;
  }
}
