import { z } from 'zod';
import { countSchema, isoDateTimeSchema, versionNumberSchema } from './common';

const stringMap = z.record(z.string());

export const retrySettingsSchema = z
  .object({
    maxAttempts: z.number().int().min(1).describe('Attempts of an async invocation; sync invocations never retry'),
    nonRetryableErrors: z.array(z.string()).describe('Error types (exception class names) that end the invocation at once'),
  })
  .describe('How async invocations retry after a function error');

export const destinationSchema = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('kafka'), topic: z.string() }),
    z.object({ type: z.literal('webhook'), url: z.string(), headers: stringMap.optional() }),
  ])
  .describe("Where an async invocation's record goes when it ends");

export const destinationsSchema = z
  .object({
    onSuccess: destinationSchema.optional(),
    onFailure: destinationSchema.optional().describe('Failed or timed out after its last attempt'),
  })
  .describe('Destinations of async invocations');

export const scalingPolicySchema = z
  .object({
    module: z.string().describe('Id of a registered scaling module, e.g. kpa or fixed'),
    params: z.record(z.unknown()).describe("The module's parameters"),
  })
  .describe('A scaling module and its parameters');

export const executorSettingSchema = z
  .object({
    module: z.string().describe('Id of a registered worker adapter, e.g. aws-lambda or pyfaas-remote'),
    options: z.record(z.unknown()).describe("The adapter's options; secrets (tokens, keys, passwords) read back as \"***\""),
  })
  .describe("Which worker adapter runs the function's attempts on another platform");

export const functionViewSchema = z
  .object({
    name: z.string(),
    runtime: z.string(),
    handler: z.string(),
    description: z.string(),
    labels: stringMap,
    env: stringMap,
    memoryMb: z.number().int(),
    timeoutMs: z.number().int(),
    maxConcurrency: z.number().int(),
    allowNetwork: z.boolean(),
    retry: retrySettingsSchema,
    // The meta store reads an unset JSON column back as null; a record just written leaves it out.
    destinations: destinationsSchema.nullish().describe('Absent or null when none were set'),
    scaling: scalingPolicySchema.nullish().describe('Absent or null: the default KPA policy'),
    executor: executorSettingSchema.nullish().describe('Absent or null: attempts run in the local sandbox pool'),
    activeVersion: versionNumberSchema.nullable().describe('The version invoked when none is named; null until the first deploy activates'),
    createdAt: isoDateTimeSchema,
    updatedAt: isoDateTimeSchema,
  })
  .describe('A function');

export const versionConfigSchema = z
  .object({
    runtime: z.string(),
    handler: z.string(),
    env: stringMap,
    memoryMb: z.number().int(),
    timeoutMs: z.number().int(),
    allowNetwork: z.boolean(),
    executor: executorSettingSchema.optional().describe('Absent: the local sandbox pool'),
  })
  .describe('What a version freezes: everything that decides how its code runs');

export const versionViewSchema = z
  .object({
    functionName: z.string(),
    number: versionNumberSchema,
    codeHash: z.string(),
    status: z.enum(['pending', 'deploying', 'ready', 'failed']),
    config: versionConfigSchema,
    deploymentId: z.string().nullish().describe('The deployment workflow that built it'),
    error: z.string().nullish().describe('Why it failed'),
    createdAt: isoDateTimeSchema,
  })
  .describe('One immutable version of a function');

export const deploymentStepSchema = z.object({
  name: z.string().describe('validate, install-dependencies, store-artifact, warm or activate'),
  status: z.enum(['pending', 'running', 'done', 'failed', 'compensated']),
  error: z.string().optional(),
});

export const deploymentViewSchema = z
  .object({
    deploymentId: z.string().describe('deploy-<function>-v<version>'),
    functionName: z.string(),
    version: versionNumberSchema,
    status: z.enum(['running', 'succeeded', 'failed']),
    steps: z.array(deploymentStepSchema).describe('Empty when the answer did not wait for the deployment'),
    error: z.object({ code: z.string(), message: z.string(), details: z.unknown() }).optional(),
    previousVersion: versionNumberSchema.optional().describe('The version active before this one'),
  })
  .describe("A deployment's progress");

export const functionCreatedSchema = z
  .object({ function: functionViewSchema, deployment: deploymentViewSchema })
  .describe('The created function and its first deployment');

export const deployedSchema = z
  .object({
    function: functionViewSchema,
    deployment: deploymentViewSchema.optional().describe('Absent when nothing a version freezes changed (no new version)'),
  })
  .describe('A created or updated function and its deployment (always present on create; absent when an update made no new version)');

export const functionPageSchema = z
  .object({
    items: z.array(functionViewSchema),
    next: z.string().optional().describe('Pass as `after` for the next page; absent on the last page'),
  })
  .describe('A page of functions, by name');

export const versionListSchema = z.object({ items: z.array(versionViewSchema) }).describe("A function's versions, oldest first");

export const scalingDecisionSchema = z
  .object({
    at: isoDateTimeSchema,
    version: versionNumberSchema.optional(),
    current: countSchema.describe('Warm instances kept when it decided'),
    desired: countSchema,
    perNode: z.record(countSchema).describe('Warm instances wanted per node id'),
    mode: z.string().describe('Which rule decided: stable, panic, idle or fixed for the built-in modules'),
    reason: z.string(),
  })
  .describe('One scaling decision');

export const scalingViewSchema = z
  .object({
    function: z.string(),
    policy: scalingPolicySchema,
    running: z.boolean().describe('Whether the scaler evaluates the function every tick (awake); false while it sleeps: no warm instances, no demand'),
    decisions: z.array(scalingDecisionSchema).describe('The last decisions, newest last, kept across sleeps; empty before the first decision'),
  })
  .describe("A function's scaling policy and its scaler's last decisions");
