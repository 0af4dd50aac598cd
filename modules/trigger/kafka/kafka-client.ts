import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { Logger } from '../../../common/logger';

/** Retries of one request; a broker restart takes ~10–20 s on a small machine. */
export const KAFKA_RETRY = { initialRetryTime: 300, maxRetryTime: 5000, retries: 8 };

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
}

/**
 * The bridge's kafkajs client. Requests are retried longer than kafkajs's default, and
 * kafkajs's own log lines go to pino as warnings (errors included: the bridge recovers from
 * them, and during a broker restart kafkajs reports every failed request).
 */
export function createKafkaClient(options: KafkaClientOptions): Kafka {
  const logger = options.logger.child({ component: 'kafkajs' });
  return new Kafka({
    brokers: options.brokers,
    clientId: options.clientId,
    connectionTimeout: 3000,
    requestTimeout: 30_000,
    retry: KAFKA_RETRY,
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      const { message, timestamp: _timestamp, ...fields } = entry.log;
      logger.warn({ kafkaNamespace: entry.namespace, ...fields }, `kafkajs: ${message}`);
    },
  });
}
