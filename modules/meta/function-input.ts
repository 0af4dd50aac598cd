import { z } from 'zod';
import { parseInput } from '../../common/validation';

/** A DNS label (RFC 1123) that starts with a letter: it names workflow ids, routes and dirs. */
export const FUNCTION_NAME = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LABEL_KEY = /^[a-z0-9]([a-z0-9._/-]{0,61}[a-z0-9])?$/;
/** Lambda's limit on the whole environment, for the same reason: it travels with every start. */
const ENV_TOTAL_BYTES = 4096;

const retry = z
  .object({
    maxAttempts: z.number().int().min(1).max(10).default(3),
    nonRetryableErrors: z.array(z.string().min(1).max(200)).max(50).default([]),
  })
  .strict();

const env = z
  .record(z.string().regex(ENV_KEY, 'must be a valid environment variable name'), z.string())
  .refine((vars) => Object.keys(vars).every((key) => !key.startsWith('PYFAAS_')), 'names starting with PYFAAS_ are reserved')
  .refine((vars) => Buffer.byteLength(JSON.stringify(vars)) <= ENV_TOTAL_BYTES, `must total at most ${ENV_TOTAL_BYTES} bytes`);

const labels = z
  .record(z.string().regex(LABEL_KEY, 'label keys must be lowercase alphanumerics with . _ / -'), z.string().max(63))
  .refine((value) => Object.keys(value).length <= 32, 'at most 32 labels');

/** Kafka's own rule for topic names. */
export const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
export const topicName = z.string().regex(TOPIC_NAME, 'must be a Kafka topic name: 1 to 249 letters, digits, . _ or -').refine((t) => t !== '.' && t !== '..', 'cannot be . or ..');

const destination = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('kafka'),
    topic: topicName,
  }).strict(),
  z.object({
    type: z.literal('webhook'),
    url: z.string().max(2048).refine(isHttpUrl, 'must be an http:// or https:// URL'),
    headers: z.record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'header names must be HTTP tokens'), z.string().max(4096)).optional(),
  }).strict(),
]);

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

const scaling = z
  .object({
    module: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a scaling module id'),
    params: z.record(z.unknown()).default({}),
  })
  .strict();

/**
 * Which worker adapter runs the function's attempts (absent or null: the local sandbox pool).
 * Only the shape is checked here; the deployer asks the registry whether the module is a
 * worker adapter and lets its `parseOptions` judge the options.
 */
const executor = z
  .object({
    module: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a worker adapter id'),
    options: z.record(z.unknown()).default({}).refine((value) => Buffer.byteLength(JSON.stringify(value)) <= 16_384, 'must total at most 16384 bytes'),
  })
  .strict();

const destinations = z.object({ onSuccess: destination.optional(), onFailure: destination.optional() }).strict();

/** Fields shared by create and update; code is validated by the artifact store. */
const settings = {
  runtime: z.string().min(1).max(32),
  handler: z.string().min(1).max(255),
  description: z.string().max(1024),
  labels,
  env,
  memoryMb: z.number().int().min(64).max(4096),
  timeoutMs: z.number().int().min(100).max(900_000),
  maxConcurrency: z.number().int().min(1).max(1000),
  allowNetwork: z.boolean(),
  retry,
  destinations,
  scaling,
  executor: executor.nullable(),
  code: z.record(z.unknown()),
};

export const createFunctionSchema = z
  .object({
    name: z.string().regex(FUNCTION_NAME, 'must be a DNS label: lowercase letters, digits and -, starting with a letter, at most 63 characters'),
    ...settings,
    description: settings.description.default(''),
    labels: settings.labels.default({}),
    env: settings.env.default({}),
    memoryMb: settings.memoryMb.default(128),
    timeoutMs: settings.timeoutMs.default(10_000),
    maxConcurrency: settings.maxConcurrency.default(10),
    allowNetwork: settings.allowNetwork.default(false),
    retry: retry.default({}),
    destinations: destinations.default({}),
    scaling: scaling.default({ module: 'kpa', params: {} }),
    executor: settings.executor.optional(),
  })
  .strict();

export const updateFunctionSchema = z.object(settings).partial().strict();

export type CreateFunctionInput = z.infer<typeof createFunctionSchema>;
export type UpdateFunctionInput = z.infer<typeof updateFunctionSchema>;

/** Validates a create request; throws InputError listing every bad field. */
export function parseCreateFunction(body: unknown): CreateFunctionInput {
  return parseInput(createFunctionSchema, body, 'function');
}

/** Validates an update request (every field optional); throws InputError listing every bad field. */
export function parseUpdateFunction(body: unknown): UpdateFunctionInput {
  return parseInput(updateFunctionSchema, body, 'function update');
}

const SECRET_KEY = /token|secret|password|authorization/i;

/**
 * An executor setting as the API shows it: option values under secret-looking keys (a remote
 * token, an AWS secret key or session token) read back as "***", since function:read is a
 * weaker permission than the one that set them.
 */
export function redactExecutor<T extends { options: Record<string, unknown> } | null | undefined>(executor: T): T {
  if (!executor) return executor;
  return { ...executor, options: redact(executor.options) as Record<string, unknown> };
}

function redact(value: unknown, key = ''): unknown {
  if (typeof value === 'string' && SECRET_KEY.test(key)) return '***';
  if (Array.isArray(value)) return value.map((item) => redact(item, key));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, k)]));
  return value;
}
