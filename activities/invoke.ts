import { Context } from '@temporalio/activity';
import type { Logger } from '../common/logger';
import type { PayloadStore } from '../modules/task/payloads';
import type { ExecutionPool } from '../modules/worker/contract';
import type { FunctionReads } from '../modules/meta/function-reads';
import { NoActiveVersionError } from '../modules/task/errors';
import { NO_FAAS_METRICS, type FaasRecorder } from '../modules/observability';
import type { AttemptOutcome, Declined, InvocationPlan } from '../contracts/invocation';
import { asActivity, toFailure } from './failures';
import type { VersionSpecs } from './version-specs';
import type { FunctionLogWriter } from '../modules/observability/logs';

export interface RunFunctionRequest {
  invocationId: string;
  functionName: string;
  version: number;
  event?: unknown;
  eventRef?: string;
  attempt: number;
  /** What started the invocation (`api`, `kafka:<id>`…), for the metrics' trigger kind; absent from older workflows. */
  trigger?: string;
  /** The principal that started it over the API: its function log lines are readable by it. */
  caller?: string;
  /** When the invocation's workflow started (ms since the epoch): the fast path's queue wait is measured from it. */
  queuedAt?: number;
}

export interface InvokeActivityDeps {
  nodeId: string;
  /** Told after a cold start, so a scaler resting at zero looks again at once (debounced by the caller). */
  onColdStart?: (functionName: string) => void;
  reads: FunctionReads;
  specs: VersionSpecs;
  pool: ExecutionPool;
  payloads: PayloadStore;
  logger: Logger;
  /** Whether `runHere` may run attempts (off when the placement module distributes every attempt itself). */
  fastPath: boolean;
  /** Where attempts record themselves (absent: nowhere). */
  metrics?: FaasRecorder;
  /** Where each attempt's stdout/stderr goes (queued, written off the hot path; absent: only the invocation record keeps it). */
  functionLogs?: Pick<FunctionLogWriter, 'record'>;
}

/** Quiet for the first second (most invocations end sooner), then every 2 s (node heartbeat timeout: 6 s). */
function heartbeatWhileRunning(context: Context): () => void {
  let interval: NodeJS.Timeout | undefined;
  const first = setTimeout(() => {
    context.heartbeat();
    interval = setInterval(() => context.heartbeat(), 2000);
  }, 1000);
  return () => {
    clearTimeout(first);
    clearInterval(interval);
  };
}

export function createInvokeActivities(deps: InvokeActivityDeps) {
  const metrics = deps.metrics ?? NO_FAAS_METRICS;
  /** Queues the attempt's output for the function log: no I/O before the outcome goes back. */
  const keepLogs = (request: RunFunctionRequest, outcome: { logs: AttemptOutcome['logs'] }) =>
    deps.functionLogs?.record({
      functionName: request.functionName, version: request.version, invocationId: request.invocationId, attempt: request.attempt, caller: request.caller, at: new Date(), logs: outcome.logs,
    });
  return {
    /**
     * Reads how to run an invocation whose starter did not (triggers): the active version, or
     * the pinned one, with the function's retry policy and destinations. A missing or deleted
     * function, or one with no ready version, fails the invocation with that reason.
     */
    async planInvocation({ functionName, version }: { functionName: string; version?: number }): Promise<InvocationPlan> {
      return asActivity(async () => {
        const fn = await deps.reads.get(functionName);
        const number = version ?? fn.activeVersion ?? undefined;
        if (number === undefined) throw new NoActiveVersionError(`Function ${JSON.stringify(functionName)} has no active version yet; its deployment has not completed.`);
        const record = await deps.reads.getVersion(functionName, number);
        if (record.status !== 'ready') throw new NoActiveVersionError(`Version ${number} of ${JSON.stringify(functionName)} is ${record.status}, not ready to invoke.`);
        return { version: number, retry: fn.retry, timeoutMs: record.config.timeoutMs, destinations: fn.destinations ?? {} };
      });
    },

    /**
     * The fast path, run as a local activity inside the workflow task that started the
     * invocation: the attempt runs in this process when a warm instance of the version is
     * idle here and the function is under its concurrency cap; otherwise it declines at once
     * and the workflow places the attempt (`runFunction`).
     */
    async runHere(request: RunFunctionRequest): Promise<AttemptOutcome | Declined> {
      if (!deps.fastPath) return { declined: 'the placement module places every attempt' };
      const began = Date.now();
      return asActivity(async () => {
        const spec = await deps.specs.get(request.functionName, request.version);
        const event = request.eventRef ? await deps.payloads.get(request.eventRef) : request.event;
        const startedAt = new Date().toISOString();
        let outcome: Awaited<ReturnType<ExecutionPool['invokeWarm']>> | undefined;
        metrics.start(request.functionName, request.version);
        try {
          outcome = await deps.pool.invokeWarm(spec, { invocationId: request.invocationId, event, attempt: request.attempt }, Context.current().cancellationSignal);
        } finally {
          metrics.finish(request.functionName, request.version, request.trigger, outcome);
        }
        if (!outcome) return { declined: 'no idle warm instance on this node' };
        keepLogs(request, outcome);
        deps.logger.debug({ invocationId: request.invocationId, status: outcome.status, durationMs: outcome.durationMs, path: 'local' }, 'invocation attempt done');
        if (request.queuedAt !== undefined) metrics.queued(request.functionName, request.version, 'local', began - request.queuedAt);
        const { value, ref } = await deps.payloads.inlineOrRef(outcome.result);
        return { ...outcome, result: value, resultRef: ref, startedAt, nodeId: deps.nodeId, path: 'local' as const };
      });
    },

    /**
     * Runs one attempt on a warm instance. Function errors, timeouts and crashes are
     * outcomes, not failures; only platform trouble throws (AT_CAPACITY is retried).
     */
    async runFunction(request: RunFunctionRequest): Promise<AttemptOutcome> {
      const context = Context.current();
      metrics.queued(request.functionName, request.version, 'placed', Date.now() - context.info.currentAttemptScheduledTimestampMs);
      const startedAt = new Date().toISOString();
      const stopHeartbeats = heartbeatWhileRunning(context);
      try {
        const spec = await deps.specs.get(request.functionName, request.version);
        const event = request.eventRef ? await deps.payloads.get(request.eventRef) : request.event;
        let outcome: Awaited<ReturnType<ExecutionPool['invoke']>> | undefined;
        const asked = performance.now();
        metrics.start(request.functionName, request.version);
        try {
          outcome = await deps.pool.invoke(spec, { invocationId: request.invocationId, event, attempt: request.attempt }, context.cancellationSignal);
        } finally {
          // A cold start's init time: what the pool took beyond the handler's own run.
          metrics.finish(request.functionName, request.version, request.trigger, outcome, outcome?.coldStart ? performance.now() - asked - outcome.durationMs : undefined);
        }
        if (outcome.coldStart) deps.onColdStart?.(request.functionName);
        keepLogs(request, outcome);
        const { value, ref } = await deps.payloads.inlineOrRef(outcome.result);
        deps.logger.debug({ invocationId: request.invocationId, status: outcome.status, durationMs: outcome.durationMs, coldStart: outcome.coldStart }, 'invocation attempt done');
        return { ...outcome, result: value, resultRef: ref, startedAt, nodeId: deps.nodeId, path: 'placed' as const };
      } catch (err) {
        throw toFailure(err);
      } finally {
        stopHeartbeats();
      }
    },
  };
}

export type InvokeActivities = ReturnType<typeof createInvokeActivities>;
