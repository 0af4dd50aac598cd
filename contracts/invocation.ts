/**
 * What one invocation is made of, shared by the invoke workflow, its activities, the invoker,
 * the API and the bridge: how it is started, how it runs and the record it ends with.
 */

/** How async invocations retry after a function error (sync invocations never retry). */
export interface RetrySettings {
  maxAttempts: number;
  /** Error types (exception class names) that end the invocation at once. */
  nonRetryableErrors: string[];
}

/** Where an async invocation's record goes when it ends (like Lambda destinations). */
export type Destination =
  | { type: 'kafka'; topic: string }
  | { type: 'webhook'; url: string; headers?: Record<string, string> };

export interface Destinations {
  onSuccess?: Destination;
  /** Failed or timed out after its last attempt. */
  onFailure?: Destination;
}

export type InvocationMode = 'sync' | 'async';
export type InvocationStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'timed_out' | 'cancelled';

/** What the function's record says about how to run one invocation, read when it starts. */
export interface InvocationPlan {
  version: number;
  retry: RetrySettings;
  timeoutMs: number;
  /** Where an async invocation's record goes when it ends. */
  destinations: Destinations;
}

export interface InvokeInput {
  functionName: string;
  /** The event inline, or a reference to it in the payload store when it is large. */
  event?: unknown;
  eventRef?: string;
  mode: InvocationMode;
  /** What started it: `api`, `http:<trigger>`, `kafka:<trigger>`, `schedule:<trigger>`… */
  trigger: string;
  /**
   * The plan, when the starter already read the function (the API does). Triggers whose
   * start is fixed in advance (schedules) or must stay cheap (the Kafka bridge) leave it out:
   * the workflow reads it when it starts, so they always run the function's active version.
   */
  plan?: InvocationPlan;
  /** Without a plan: pin this version instead of the active one. */
  version?: number;
  /** The alias the version was drawn from, when invoked by alias (kept in the memo). */
  alias?: string;
  /** The principal that asked for it over the API (memo and `PyFaaSCaller`): invokers read only their own. */
  caller?: string;
  /**
   * Which shape of `invokeFunction` runs it (invocationStart sets INVOKE_GENERATION). Absent:
   * started by a build before the fast path, so it replays the way it ran then.
   */
  generation?: number;
}

/**
 * The shape of `invokeFunction` this build starts: 2 = the fast path (workflows/attempt.ts).
 * A change to the workflow's commands raises it, and the workflow keeps the older shapes for
 * invocations still open from earlier builds. Versioning by input instead of `patched()`:
 * the SDK's patch upserts the TemporalChangeVersion search attribute on every run, a second
 * visibility write on each invocation's hot path.
 */
export const INVOKE_GENERATION = 2;

export interface FunctionErrorInfo {
  type: string;
  message: string;
  stack?: string;
}

export interface InvocationLogs {
  stdout: string;
  stderr: string;
  truncated: boolean;
}

/** One attempt as the activity reports it. */
export interface AttemptOutcome {
  status: 'succeeded' | 'failed' | 'timed_out' | 'crashed';
  result?: unknown;
  resultRef?: string;
  error?: FunctionErrorInfo;
  logs: InvocationLogs;
  coldStart: boolean;
  durationMs: number;
  instanceId: string;
  /** The worker node that ran it. */
  nodeId: string;
  startedAt: string;
  /** `local`: inside the workflow task, on the node holding a warm instance (the fast path); `placed`: an activity where placement said. */
  path?: InvocationPath;
}

export type InvocationPath = 'local' | 'placed';

/** The fast path's answer when the attempt cannot run where the workflow task is. */
export interface Declined {
  declined: string;
}

/** The workflow's result: what GET /v1/invocations/{id} shows once it is done. */
export interface InvocationRecord {
  functionName: string;
  version: number;
  mode: InvocationMode;
  trigger: string;
  status: 'succeeded' | 'failed' | 'timed_out';
  result?: unknown;
  resultRef?: string;
  error?: FunctionErrorInfo;
  logs: InvocationLogs;
  coldStart: boolean;
  attempts: number;
  durationMs: number;
  /** How the last attempt ran (see AttemptOutcome.path). */
  path?: InvocationPath;
  /** The worker node that ran the last attempt. */
  nodeId?: string;
}
