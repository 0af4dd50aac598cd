import { InputError, LimitExceededError, isPyFaaSError } from '../../../common/errors';
import type { Logger } from '../../../common/logger';
import type { KafkaTrigger, StartAnswer, WorkflowStarter } from './contract';
import type { DeadLetterSink } from './dead-letter';
import { toRecordEvent, workflowIdFor, type ConsumedRecord, type DeadLetterReason } from './record-event';
import { errorMessage, retryUntilDone } from './retry';

export type Delivery = StartAnswer | 'dead-lettered';

export interface DeliveryCounters {
  started: number;
  duplicates: number;
  deadLettered: number;
  retries: number;
}

export interface RecordHandlerDeps {
  starter: WorkflowStarter;
  deadLetters: DeadLetterSink;
  logger: Logger;
  /** Told about every failed attempt (for the trigger's status). */
  onError: (err: unknown) => void;
}

/** The starter's way of saying "this record can never start": dead-letter it, do not retry. */
export function isRejection(err: unknown): boolean {
  return err instanceof InputError || err instanceof LimitExceededError;
}

/**
 * Turns one record into exactly one workflow start, or one dead-letter write. Failures are
 * retried until they succeed; the only way out without an answer is GaveUpError (the
 * consumer stops or lost the partition), and the record then stays uncommitted.
 */
export class RecordHandler {
  readonly counters: DeliveryCounters = { started: 0, duplicates: 0, deadLettered: 0, retries: 0 };

  constructor(private readonly deps: RecordHandlerDeps) {}

  async deliver(trigger: KafkaTrigger, record: ConsumedRecord, topic: string, partition: number, keepGoing: () => boolean): Promise<Delivery> {
    const workflowId = workflowIdFor(trigger.id, topic, partition, record.offset);
    const conversion = toRecordEvent(record, topic, partition, trigger);
    if (!conversion.ok) return this.deadLetter(trigger, record, topic, partition, workflowId, conversion.reason, conversion.detail, keepGoing);
    try {
      const answer = await retryUntilDone(() => this.deps.starter({ workflowId, trigger, event: conversion.event }), {
        keepGoing,
        isFinal: isRejection,
        onError: (err, attempt, delayMs) => this.failed(err, { triggerId: trigger.id, topic, partition, offset: record.offset, workflowId, attempt, delayMs }, 'workflow start failed; retrying'),
      });
      if (answer === 'started') this.counters.started += 1;
      else this.counters.duplicates += 1;
      this.deps.logger.debug({ triggerId: trigger.id, topic, partition, offset: record.offset, workflowId, answer }, 'record started');
      return answer;
    } catch (err) {
      if (!isRejection(err)) throw err;
      const detail = `${isPyFaaSError(err) ? err.code : 'INVALID_INPUT'}: ${(err as Error).message}`;
      return this.deadLetter(trigger, record, topic, partition, workflowId, 'start-rejected', detail, keepGoing);
    }
  }

  private async deadLetter(
    trigger: KafkaTrigger, record: ConsumedRecord, topic: string, partition: number, workflowId: string,
    reason: DeadLetterReason, detail: string, keepGoing: () => boolean,
  ): Promise<Delivery> {
    const letter = { trigger, record, topic, partition, workflowId, reason, detail };
    await retryUntilDone(() => this.deps.deadLetters.send(letter), {
      keepGoing,
      onError: (err, attempt, delayMs) => this.failed(err, { triggerId: trigger.id, topic, partition, offset: record.offset, attempt, delayMs }, 'dead-letter write failed; retrying'),
    });
    this.counters.deadLettered += 1;
    return 'dead-lettered';
  }

  private failed(err: unknown, fields: Record<string, unknown>, message: string): void {
    this.counters.retries += 1;
    this.deps.onError(err);
    this.deps.logger.warn({ ...fields, error: errorMessage(err) }, message);
  }
}
