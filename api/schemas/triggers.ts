import { z } from 'zod';
import { countSchema, isoDateTimeSchema } from './common';

const lastErrorSchema = z.object({ message: z.string(), at: isoDateTimeSchema });

export const kafkaTriggerStatusSchema = z
  .object({
    id: z.string().describe("The trigger's name"),
    state: z.enum(['starting', 'running', 'paused', 'idle', 'stopped']),
    topics: z.array(z.string()),
    inFlight: countSchema,
    started: countSchema,
    duplicates: countSchema,
    deadLettered: countSchema,
    retries: countSchema.describe('Attempts that failed and were retried'),
    restarts: countSchema.describe('Consumers rebuilt after kafkajs crashed one'),
    committed: z.record(z.string()).describe('`topic/partition` → the next offset the group will read'),
    lastError: lastErrorSchema.optional(),
  })
  .describe("A Kafka trigger's consumer as the bridge in the API process sees it");

const triggerFields = {
  name: z.string(),
  kind: z.string().describe('http, kafka, schedule or a third-party kind'),
  config: z.record(z.unknown()).describe("The kind's configuration, with its defaults applied"),
  paused: z.boolean(),
  description: z.string(),
  createdAt: isoDateTimeSchema,
  updatedAt: isoDateTimeSchema,
  function: z.string().describe('The function it invokes'),
  requiresApiKey: z.boolean().describe('Callers must present the API key issued when it was created'),
  bridge: kafkaTriggerStatusSchema.optional().describe('Kafka triggers, when the API process runs the bridge'),
};

export const triggerViewSchema = z.object(triggerFields).describe('A trigger');

/**
 * GET /v1/triggers/{name} adds what the kind's outside system says now (a schedule adds
 * `schedule`); those fields belong to the kind's module, hence passthrough.
 */
export const triggerDetailSchema = z
  .object({
    ...triggerFields,
    error: z.string().optional().describe("Set when the kind's outside system could not be asked"),
  })
  .passthrough()
  .describe("A trigger with its kind's live state (extra fields, by kind)");

export const triggerCreatedSchema = z
  .object({
    trigger: triggerViewSchema,
    apiKey: z.string().optional().describe('Shown once, for kinds whose callers need a key'),
  })
  .describe('The created trigger and, for kinds that need one, its API key');

export const triggerListSchema = z.object({ items: z.array(triggerViewSchema) }).describe('Triggers, by name');

export const apiKeySchema = z.object({ apiKey: z.string().describe('Shown once; the previous key stops working') }).describe("A trigger's new API key");
