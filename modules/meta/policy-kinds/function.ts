import { z } from 'zod';
import type { PolicyKind } from '../policies';
import type { CreateFunctionInput, UpdateFunctionInput } from '../function-input';
import { PolicyViolationError } from './errors';

// The same bounds the function API itself has (function-input.ts): a policy narrows them, never widens.
const memoryMb = z.number().int().min(64).max(4096);
const timeoutMs = z.number().int().min(100).max(900_000);
const maxConcurrency = z.number().int().min(1).max(1000);

function extensionEntry(kind: 'meta' | 'task') {
  return z.object({
    module: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, `must be a ${kind} module id`),
    config: z.record(z.unknown()).default({}).refine((value) => Buffer.byteLength(JSON.stringify(value)) <= 16_384, 'must total at most 16384 bytes'),
  }).strict();
}

/**
 * The function policy: what a function created without a field gets, and the most any
 * create or update may ask for. Limits apply to the fields a request sets: functions that
 * already exist keep their settings (and keep running) until a request changes them.
 */
export const functionPolicySchema = z.object({
  defaults: z.object({
    memoryMb: memoryMb.default(128),
    timeoutMs: timeoutMs.default(10_000),
    maxConcurrency: maxConcurrency.default(10),
    allowNetwork: z.boolean().default(false),
    retry: z.object({
      maxAttempts: z.number().int().min(1).max(10).default(3),
      nonRetryableErrors: z.array(z.string().min(1).max(200)).max(50).default([]),
    }).strict().default({}),
  }).strict().default({}),
  limits: z.object({
    maxMemoryMb: memoryMb.default(4096),
    maxTimeoutMs: timeoutMs.default(900_000),
    maxConcurrency: maxConcurrency.default(1000),
    /** false: no function may have network access (allowNetwork: true is refused). */
    allowNetwork: z.boolean().default(true),
    /**
     * The origins (`https://lambda.eu-west-1.amazonaws.com`) a worker adapter may call for a
     * function's executor; null: any. Set it in production: adapters run inside the platform.
     */
    executorEndpoints: z.array(z.string().url().max(2000).transform((url) => new URL(url).origin)).max(100).nullable().default(null),
  }).strict().default({}),
  /** Meta modules shown every create and update of a function (modules/meta/extension.ts), in order. */
  metaChecks: z.array(extensionEntry('meta')).max(10).default([]),
  /** Task modules shown every invocation request started through the API (modules/task/extension.ts), in order. */
  taskChecks: z.array(extensionEntry('task')).max(10).default([]),
}).strict().superRefine((policy, ctx) => {
  for (const limit of functionLimits(policy)) {
    const value = policy.defaults[limit.field];
    if (!limit.allows(value)) ctx.addIssue({ code: 'custom', path: ['defaults', limit.field], message: `must be within limits.${limit.name} (${String(limit.limit)})` });
  }
});

export type FunctionPolicy = z.infer<typeof functionPolicySchema>;

/**
 * `validateExtensions`: the modules' own check of `metaChecks` and `taskChecks` (modules/policy-extensions.ts
 * `validate`: each names an installed module of its kind whose factory and configSchema take its config).
 */
export function functionPolicy(validateExtensions?: (policy: FunctionPolicy) => void): PolicyKind<FunctionPolicy> {
  return { kind: 'function', topic: 'policies', schema: functionPolicySchema, ...(validateExtensions ? { check: validateExtensions } : {}) };
}

export const FUNCTION_POLICY = functionPolicy();

type LimitedField = 'memoryMb' | 'timeoutMs' | 'maxConcurrency' | 'allowNetwork';

interface Limit {
  field: LimitedField;
  name: keyof FunctionPolicy['limits'];
  limit: number | boolean;
  allows(value: unknown): boolean;
}

function functionLimits(policy: FunctionPolicy): Limit[] {
  const { limits } = policy;
  const atMost = (field: LimitedField, name: 'maxMemoryMb' | 'maxTimeoutMs' | 'maxConcurrency'): Limit => ({
    field, name, limit: limits[name], allows: (value) => typeof value !== 'number' || value <= limits[name],
  });
  return [
    atMost('memoryMb', 'maxMemoryMb'),
    atMost('timeoutMs', 'maxTimeoutMs'),
    atMost('maxConcurrency', 'maxConcurrency'),
    { field: 'allowNetwork', name: 'allowNetwork', limit: limits.allowNetwork, allows: (value) => value !== true || limits.allowNetwork },
  ];
}

const DEFAULTED = ['memoryMb', 'timeoutMs', 'maxConcurrency', 'allowNetwork'] as const;

/**
 * The create request with the policy's defaults in the fields it left out (a partial `retry`
 * is completed from the policy's). Anything but an object is returned as is, for the parser to refuse.
 */
export function withFunctionDefaults(body: unknown, policy: FunctionPolicy): unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return body;
  const request = body as Record<string, unknown>;
  const filled: Record<string, unknown> = { ...request };
  for (const field of DEFAULTED) if (request[field] === undefined) filled[field] = policy.defaults[field];
  const retry = request.retry;
  if (retry === undefined) filled.retry = policy.defaults.retry;
  else if (retry && typeof retry === 'object' && !Array.isArray(retry)) filled.retry = { ...policy.defaults.retry, ...retry };
  return filled;
}

/** Throws PolicyViolationError naming the first field over its limit (undefined fields are not checked). */
export function checkFunctionLimits(input: CreateFunctionInput | UpdateFunctionInput, policy: FunctionPolicy): void {
  for (const limit of functionLimits(policy)) {
    const value = input[limit.field];
    if (limit.allows(value)) continue;
    const message = limit.field === 'allowNetwork'
      ? 'allowNetwork: the function policy allows no function network access (function.limits.allowNetwork is false).'
      : `${limit.field}: ${String(value)} is over the function policy's limit of ${String(limit.limit)} (function.limits.${limit.name}).`;
    throw new PolicyViolationError(message, { field: limit.field, policy: `function.limits.${limit.name}`, limit: limit.limit, value });
  }
}
