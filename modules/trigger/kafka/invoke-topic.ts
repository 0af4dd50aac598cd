import { z } from 'zod';
import { InputError } from '../../../common/errors';
import { FUNCTION_NAME } from '../../meta/function-input';
import type { KafkaTriggerSpec, RecordEvent } from './contract';

/** The bridge's own trigger for the invoke topic; user trigger names cannot start with `pyfaas-`. */
export const INVOKE_TOPIC_TRIGGER = 'pyfaas-invoke';

/** What a producer writes to the invoke topic, as JSON. */
export interface InvokeRecord {
  function: string;
  event?: unknown;
  /** The same key for the same function starts one invocation, here or over HTTP. */
  idempotencyKey?: string;
  /** Pins a version instead of the active one. */
  version?: number;
}

const schema = z
  .object({
    function: z.string().regex(FUNCTION_NAME, 'must be a function name'),
    event: z.unknown().optional(),
    idempotencyKey: z.string().min(1).max(255).optional(),
    version: z.number().int().min(1).optional(),
  })
  .strict();

/**
 * The bridge's spec for the invoke topic: created when missing (producers may come later) and
 * read from the beginning, so nothing sent before the first start is missed.
 */
export function invokeTopicSpec(topic: string, maxInFlight?: number): KafkaTriggerSpec {
  return { id: INVOKE_TOPIC_TRIGGER, topic, groupId: `pyfaas-invoke.${topic}`, startFrom: 'earliest', createTopic: true, ...(maxInFlight ? { maxInFlight } : {}) };
}

/** Reads one invoke-topic record; throws InputError (the record is dead-lettered) when it is not a valid request. */
export function parseInvokeRecord(event: RecordEvent): InvokeRecord {
  const where = `${event.topic}/${event.partition}@${event.offset}`;
  if (event.valueEncoding !== 'json') {
    throw new InputError(`The invoke-topic record ${where} is not JSON; send {"function": "<name>", "event": …}.`);
  }
  const result = schema.safeParse(event.value);
  if (!result.success) {
    const sentence = result.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
    throw new InputError(`The invoke-topic record ${where} is not a valid request: ${sentence}.`);
  }
  return result.data;
}
