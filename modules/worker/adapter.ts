/**
 * The worker adapter contract (the design's 适配, kind `worker`): a module that runs a
 * function's attempts somewhere else than the local sandbox pool — another FaaS platform
 * (AWS Lambda or anything speaking its invoke API), another PyFaaS cluster. A function names
 * its adapter in its `executor` setting ({ module, options }); the version freezes it like
 * the runtime. The invoke workflow does not change: the attempt's activity hands the attempt
 * to the adapter instead of the pool.
 */
import type { FunctionVersionSpec, InvocationOutcome, InvocationRequest } from './contract';

export interface WorkerAdapter<Options = Record<string, unknown>> {
  /** The module id a function's `executor.module` names. */
  readonly id: string;
  /** Validates a function's `executor.options` and applies defaults; throws InputError naming each bad field as `options.<field>`. */
  parseOptions(options: unknown): Options;
  /**
   * Runs one attempt there. Like the pool: the function's own errors, timeouts and crashes
   * resolve as outcomes (status failed / timed_out / crashed, with its logs); only trouble
   * reaching the other side throws (an UnavailableError, retried by the workflow's policy).
   * Honours `signal` (the activity was cancelled) and `spec.timeoutMs`.
   */
  run(spec: FunctionVersionSpec, request: InvocationRequest, options: Options, signal?: AbortSignal): Promise<InvocationOutcome>;
  /**
   * The URLs `run` will call for these options. The platform checks their origins against the
   * function policy's `limits.executorEndpoints` (when set) at create, update and every attempt:
   * the adapter runs inside the platform, so whoever may create functions must not be able to
   * aim it at the platform's own services. An adapter without it is refused once a list is set.
   */
  endpoints?(options: Options): string[];
}

/** A function's `executor`: which worker adapter runs its attempts, and with what options. Absent: the local pool. */
export interface ExecutorSetting {
  module: string;
  options: Record<string, unknown>;
}

export function isWorkerAdapter(value: unknown): value is WorkerAdapter {
  const candidate = value as Partial<WorkerAdapter> | undefined;
  return typeof candidate?.id === 'string' && typeof candidate.parseOptions === 'function' && typeof candidate.run === 'function';
}
