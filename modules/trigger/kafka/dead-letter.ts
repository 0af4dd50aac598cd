import type { Kafka, Message } from 'kafkajs';
import type { Logger } from '../../../common/logger';
import type { KafkaTrigger } from './contract';
import type { KafkaAdmin } from './kafka-admin';
import { KafkaPublisher } from './publisher';
import type { ConsumedRecord, DeadLetterReason } from './record-event';

/** Header names on a dead-lettered record; the record's own headers are kept beside them. */
export const DEAD_LETTER_HEADERS = {
  reason: 'pyfaas-dead-letter-reason',
  detail: 'pyfaas-dead-letter-detail',
  trigger: 'pyfaas-trigger',
  functionName: 'pyfaas-function',
  topic: 'pyfaas-source-topic',
  partition: 'pyfaas-source-partition',
  offset: 'pyfaas-source-offset',
  timestamp: 'pyfaas-source-timestamp',
  /** The id the record's workflow would have had: consumers of the topic may dedupe on it. */
  workflowId: 'pyfaas-workflow-id',
  /** `omitted` when the value was too large for the dead-letter topic itself. */
  value: 'pyfaas-dead-letter-value',
} as const;

export interface DeadLetter {
  trigger: KafkaTrigger;
  topic: string;
  partition: number;
  record: ConsumedRecord;
  workflowId: string;
  reason: DeadLetterReason;
  detail: string;
}

/** The record as it goes to the dead-letter topic: same key and value, reasons in headers. */
export function deadLetterMessage(letter: DeadLetter, options: { omitValue?: boolean } = {}): Message {
  const h = DEAD_LETTER_HEADERS;
  return {
    key: letter.record.key,
    value: options.omitValue ? null : letter.record.value,
    headers: {
      ...letter.record.headers,
      [h.reason]: letter.reason,
      [h.detail]: letter.detail,
      [h.trigger]: letter.trigger.id,
      ...(letter.trigger.functionName ? { [h.functionName]: letter.trigger.functionName } : {}),
      [h.topic]: letter.topic,
      [h.partition]: String(letter.partition),
      [h.offset]: letter.record.offset,
      [h.timestamp]: letter.record.timestamp,
      [h.workflowId]: letter.workflowId,
      ...(options.omitValue ? { [h.value]: 'omitted' } : {}),
    },
  };
}

/**
 * Writes records that cannot be started to the dead-letter topic (created on first use when
 * it does not exist). A record is dead-lettered before its offset is committed, so a crash in
 * between writes it twice: the topic is at-least-once, deduplicate on `pyfaas-workflow-id`.
 */
export class DeadLetterSink {
  private readonly publisher: KafkaPublisher;
  private topicChecked = false;

  constructor(
    kafka: Kafka,
    private readonly admin: KafkaAdmin,
    readonly topic: string,
    private readonly logger: Logger,
  ) {
    this.publisher = new KafkaPublisher(kafka);
  }

  /** Throws whatever the producer throws; the caller retries. */
  async send(letter: DeadLetter): Promise<void> {
    await this.ensureTopic();
    try {
      await this.publisher.send(this.topic, [deadLetterMessage(letter)]);
    } catch (err) {
      if (!isTooLarge(err)) throw err;
      // The source topic allowed a record this topic does not: keep the reasons, drop the value.
      await this.publisher.send(this.topic, [deadLetterMessage(letter, { omitValue: true })]);
    }
    this.logger.warn(
      { triggerId: letter.trigger.id, topic: letter.topic, partition: letter.partition, offset: letter.record.offset, reason: letter.reason, deadLetterTopic: this.topic },
      `dead-lettered a record: ${letter.detail}`,
    );
  }

  async close(): Promise<void> {
    await this.publisher.close();
  }

  private async ensureTopic(): Promise<void> {
    if (this.topicChecked) return;
    // Not allowed to create topics, for one: the send will say whether the topic exists.
    await this.admin.ensureTopic(this.topic).catch((err) => this.logger.debug({ err, deadLetterTopic: this.topic }, 'could not create the dead-letter topic'));
    this.topicChecked = true;
  }
}

function isTooLarge(err: unknown): boolean {
  const type = (err as { type?: string; cause?: { type?: string } })?.type ?? (err as { cause?: { type?: string } })?.cause?.type;
  return type === 'MESSAGE_TOO_LARGE' || type === 'RECORD_LIST_TOO_LARGE';
}
