import { Kafka, logLevel, type Admin } from 'kafkajs';

/**
 * Answers "does the Kafka cluster respond?" with one long-lived admin client that is
 * rebuilt after a failure, so a broker that went away and came back reads as ok again.
 */
export class KafkaHealth {
  private admin?: Admin;
  private readonly kafka: Kafka;

  constructor(brokers: readonly string[], clientId: string) {
    this.kafka = new Kafka({
      brokers: [...brokers],
      clientId: `${clientId}-health`,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1000,
      requestTimeout: 2000,
      retry: { retries: 0 },
    });
  }

  async check(): Promise<void> {
    try {
      if (!this.admin) {
        const admin = this.kafka.admin();
        await admin.connect();
        this.admin = admin;
      }
      const cluster = await this.admin.describeCluster();
      if (cluster.brokers.length === 0) throw new Error('the cluster lists no broker');
    } catch (err) {
      await this.reset();
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.reset();
  }

  private async reset(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.disconnect().catch(() => undefined);
  }
}
