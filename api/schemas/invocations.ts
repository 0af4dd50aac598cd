import { z } from 'zod';
import { countSchema, isoDateTimeSchema, versionNumberSchema } from './common';

export const invocationStatusSchema = z.enum(['queued', 'running', 'succeeded', 'failed', 'timed_out', 'cancelled']);

export const invocationModeSchema = z.enum(['sync', 'async']);

export const functionErrorInfoSchema = z
  .object({
    type: z.string().describe('The exception class, or PlatformError / TERMINATED / TIMED_OUT when the platform ended it'),
    message: z.string(),
    stack: z.string().optional(),
  })
  .describe('Why an invocation failed');

export const invocationLogsSchema = z
  .object({
    stdout: z.string(),
    stderr: z.string(),
    truncated: z.boolean().describe('The output was longer than the platform keeps'),
  })
  .describe("The function's output during its last attempt");

export const invocationViewSchema = z
  .object({
    invocationId: z.string(),
    functionName: z.string(),
    version: versionNumberSchema.optional().describe('Absent until a trigger-started invocation has read its function'),
    alias: z.string().optional().describe('The alias the version was drawn from, when invoked by alias'),
    mode: invocationModeSchema.optional(),
    trigger: z.string().optional().describe('What started it: api, http:<trigger>, kafka:<trigger>, schedule:<trigger>…'),
    caller: z.string().optional().describe('The principal that invoked it over the API'),
    status: invocationStatusSchema,
    result: z.unknown().describe("The handler's return value (any JSON), once it succeeded"),
    error: functionErrorInfoSchema.optional(),
    logs: invocationLogsSchema.optional(),
    coldStart: z.boolean().optional(),
    attempts: countSchema.optional(),
    durationMs: z.number().min(0).optional(),
    nodeId: z.string().optional().describe('The worker node that ran the last attempt'),
    path: z.enum(['local', 'placed']).optional().describe('How the last attempt ran: local (the fast path, inside the workflow task, on the node holding a warm instance) or placed (an activity where placement said)'),
    startedAt: isoDateTimeSchema.optional(),
    finishedAt: isoDateTimeSchema.optional(),
  })
  .describe('An invocation, whatever its state; the fields after status appear once it has ended');

export const invocationPageSchema = z
  .object({
    items: z.array(invocationViewSchema).describe('Newest first; each as visibility lists it (no result, error or logs)'),
    nextPageToken: z.string().optional().describe('Pass as `pageToken` for the next page; absent on the last page'),
  })
  .describe('A page of invocations');

export const queuedInvocationSchema = z
  .object({ invocationId: z.string(), status: z.literal('queued') })
  .describe('An async invocation was accepted; GET /v1/invocations/{id} follows it');

export const invocationCancelledSchema = invocationViewSchema
  .extend({ status: z.literal('cancelled') })
  .describe('Cancellation was requested; the invocation as it was, marked cancelled');
