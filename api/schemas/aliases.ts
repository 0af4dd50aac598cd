import { z } from 'zod';
import { countSchema, isoDateTimeSchema, versionNumberSchema } from './common';

export const aliasRouteSchema = z
  .object({ version: versionNumberSchema, weight: z.number().int().min(0).max(100).describe('Percent of the traffic') })
  .describe('One version an alias sends traffic to');

export const aliasViewSchema = z
  .object({
    name: z.string(),
    functionName: z.string(),
    versions: z.array(aliasRouteSchema).describe('One or two routes whose weights sum to 100'),
    createdAt: isoDateTimeSchema,
    updatedAt: isoDateTimeSchema,
  })
  .describe('An alias of a function');

export const aliasListSchema = z.object({ items: z.array(aliasViewSchema) }).describe("A function's aliases, by name");

const rolloutStatusSchema = z.enum(['running', 'succeeded', 'rolled_back', 'failed']);

export const rolloutStartedSchema = z
  .object({
    rolloutId: z.string().describe('rollout:<function>:<alias>'),
    runId: z.string(),
    status: z.literal('running'),
    functionName: z.string(),
    alias: z.string(),
    toVersion: versionNumberSchema,
    steps: z.array(z.number().int().min(1).max(100)).describe('Percentages for the new version, ascending, ending at 100'),
    stepPauseMs: z.number().int(),
    maxErrorRate: z.number().min(0).max(1),
    minInvocations: countSchema,
  })
  .describe('A rollout was started; GET /v1/rollouts/{id} follows it');

export const rolloutStepSchema = z.object({
  weight: z.number().int().min(1).max(100),
  status: z.enum(['pending', 'running', 'passed', 'failed', 'skipped']),
  invocations: countSchema.describe('Invocations of the new version that started in this step and have ended'),
  failed: countSchema,
  errorRate: z.number().min(0).max(1).nullable().describe('failed / invocations; null before the check or when nothing ended'),
  note: z.string().optional(),
  startedAt: isoDateTimeSchema.optional(),
});

export const rolloutViewSchema = z
  .object({
    rolloutId: z.string(),
    runId: z.string().optional(),
    status: rolloutStatusSchema,
    functionName: z.string(),
    alias: z.string(),
    fromVersion: versionNumberSchema.optional(),
    toVersion: z.number().int().describe('0 only when a rollout that ended abnormally cannot be replayed'),
    originalRoutes: z.array(aliasRouteSchema).optional().describe('The routes when it began: a roll back restores them'),
    steps: z.array(rolloutStepSchema),
    reason: z.string().optional().describe('Why it rolled back or failed'),
  })
  .describe("A rollout's progress while it runs, its result after");
