import type { ExecutorSetting } from './adapter';

/** What the execution layer needs to know about one function version. */
export interface FunctionVersionSpec {
  functionName: string;
  version: number;
  /** Host directory with the unpacked code (and installed dependencies): read-only in the sandbox. */
  codeDir: string;
  /** Id of a registered runtime module, e.g. `python3`. */
  runtime: string;
  handler: string;
  env: Record<string, string>;
  memoryMb: number;
  timeoutMs: number;
  /** Most invocations of this function running at once on this node. */
  maxConcurrency: number;
  allowNetwork: boolean;
  /** The worker adapter that runs its attempts instead of the local pool (frozen in the version). */
  executor?: ExecutorSetting;
}

export interface InvocationRequest {
  invocationId: string;
  event: unknown;
  attempt: number;
}

export interface FunctionError {
  type: string;
  message: string;
  stack?: string;
}

export interface CapturedLogs {
  stdout: string;
  stderr: string;
  /** True when the function printed more than the capture limit; the rest was dropped. */
  truncated: boolean;
}

export type InvocationStatus = 'succeeded' | 'failed' | 'timed_out' | 'crashed';

export interface InvocationOutcome {
  status: InvocationStatus;
  result?: unknown;
  /** For failed (function raised), timed_out, and crashed (process died: crash or OOM). */
  error?: FunctionError;
  logs: CapturedLogs;
  coldStart: boolean;
  durationMs: number;
  instanceId: string;
}

export interface PoolStats {
  instances: Array<{ functionName: string; version: number; instanceId: string; busy: boolean; pid?: number; rssBytes?: number }>;
  /** Per `function@version`, since the pool started: invocations begun and how many of them cold-started. */
  counters: Record<string, { invocations: number; coldStarts: number }>;
  /** Per `function@version`: the warm instances the scaler asked this node to keep (absent: none). */
  targets: Record<string, number>;
}

/** The worker module's execution side: warm sandboxed instances per function version. */
export interface ExecutionPool {
  /**
   * Runs one invocation on an idle warm instance (starting one when none is idle).
   * Throws AtCapacityError when `maxConcurrency` invocations of the function already run.
   * Resolves with the outcome for function errors, timeouts and crashes; never throws for them.
   */
  invoke(spec: FunctionVersionSpec, request: InvocationRequest, signal?: AbortSignal): Promise<InvocationOutcome>;
  /**
   * Runs the invocation only if an instance of the version is idle and warm here and the
   * function is under its `maxConcurrency`; resolves undefined at once otherwise (it never
   * starts an instance or waits). The invoke fast path's question "can it run right here?".
   */
  invokeWarm(spec: FunctionVersionSpec, request: InvocationRequest, signal?: AbortSignal): Promise<InvocationOutcome | undefined>;
  /** Starts one instance and waits until its handler is loaded; throws InstanceStartError when it cannot load. */
  warm(spec: FunctionVersionSpec): Promise<void>;
  /**
   * Keeps `count` warm instances of the version on this node: starts the missing ones (in
   * parallel, waiting until loaded) and stops idle ones beyond it. Idle reaping never goes
   * below the count. Answers how many started and stopped.
   */
  setWarm(spec: FunctionVersionSpec, count: number): Promise<{ started: number; stopped: number }>;
  /** Stops the instances of a function (all versions, or one), waiting for running invocations up to `drainMs`. */
  evict(functionName: string, version?: number, drainMs?: number): Promise<void>;
  stats(): PoolStats;
  close(): Promise<void>;
}
