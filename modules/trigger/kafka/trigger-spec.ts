import { z } from 'zod';
import { InputError } from '../../../common/errors';
import { FUNCTION_NAME, topicName } from '../../meta/function-input';
import { DEFAULT_MAX_IN_FLIGHT, DEFAULT_MAX_RECORD_BYTES, type KafkaTrigger, type KafkaTriggerSpec } from './contract';

const GROUP_ID = /^[\x21-\x7e]{1,255}$/;

/** The settings of a Kafka trigger that its `config` holds (the meta store's trigger record). */
export const kafkaConfigSchema = z
  .object({
    topic: topicName.optional(),
    topicPattern: z.string().min(1).max(1000).refine(compiles, 'must be a valid regular expression').optional(),
    groupId: z.string().regex(GROUP_ID, 'must be 1 to 255 printable ASCII characters').optional(),
    startFrom: z.enum(['earliest', 'latest']).default('latest'),
    maxInFlight: z.number().int().min(1).max(10_000).default(DEFAULT_MAX_IN_FLIGHT),
    maxRecordBytes: z.number().int().min(1).max(64 * 1024 * 1024).default(DEFAULT_MAX_RECORD_BYTES),
  })
  .strict();

export const exactlyOneTopic = [
  (spec: { topic?: string; topicPattern?: string }) => (spec.topic === undefined) !== (spec.topicPattern === undefined),
  'give exactly one of topic and topicPattern',
] as const;

const schema = kafkaConfigSchema
  .extend({
    id: z.string().regex(FUNCTION_NAME, 'must be a DNS label: lowercase letters, digits and -, starting with a letter'),
    paused: z.boolean().default(false),
    functionName: z.string().regex(FUNCTION_NAME, 'must be a function name').optional(),
    createTopic: z.boolean().optional(),
  })
  .refine(...exactlyOneTopic);

function compiles(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

/** A trigger's consumer group: `pyfaas-<id>` unless it names one. */
export function groupIdOf(trigger: { id: string; groupId?: string }): string {
  return trigger.groupId ?? `pyfaas-${trigger.id}`;
}

/** Validates a trigger and applies the defaults; throws InputError naming the trigger and every bad field. */
export function parseKafkaTrigger(spec: KafkaTriggerSpec | unknown): KafkaTrigger {
  const result = schema.safeParse(spec);
  if (!result.success) {
    const id = typeof (spec as { id?: unknown })?.id === 'string' ? (spec as { id: string }).id : '?';
    const issues = result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
    const sentence = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
    throw new InputError(`Invalid Kafka trigger ${JSON.stringify(id)}: ${sentence}.`, { issues });
  }
  return { ...result.data, groupId: groupIdOf(result.data) };
}

/** Whole-name matcher for a trigger's `topicPattern`. */
export function topicMatcher(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`);
}

/** The settings that need a new consumer when they change (the others apply in place). */
export function consumerIdentity(trigger: KafkaTrigger): string {
  return JSON.stringify([trigger.topic, trigger.topicPattern, trigger.groupId, trigger.startFrom]);
}
