/** Inputs and results of PyFaaS workflows, shared by the workflows, the API and the bridge. */
import type { Destination, Destinations, RetrySettings } from '../modules/meta/entities';

export type { Destination, Destinations, RetrySettings };

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
}

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

export interface DeployInput {
  functionName: string;
  version: number;
  runtime: string;
  /** The staged, not yet validated code the API received. */
  stagingId: string;
  /** False: the version ends ready but not active (for a rollout through an alias). Default true. */
  activate?: boolean;
}

export type StepStatus = 'pending' | 'running' | 'done' | 'failed' | 'compensated';

export interface DeployProgress {
  status: 'running' | 'succeeded' | 'failed';
  steps: Array<{ name: string; status: StepStatus; error?: string }>;
  error?: { code: string; message: string; details?: unknown };
  previousVersion?: number;
}

export interface DeleteInput {
  functionName: string;
  /** How long running invocations may take to finish before they are cancelled. */
  drainMs: number;
}
