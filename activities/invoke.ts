import { Context } from '@temporalio/activity';
import type { Logger } from '../common/logger';
import type { PayloadStore } from '../modules/task/payloads';
import type { ExecutionPool } from '../modules/worker/contract';
import type { AttemptOutcome } from '../workflows/contracts';
import { toFailure } from './failures';
import type { VersionSpecs } from './version-specs';

export interface RunFunctionRequest {
  invocationId: string;
  functionName: string;
  version: number;
  event?: unknown;
  eventRef?: string;
  attempt: number;
}

export interface InvokeActivityDeps {
  specs: VersionSpecs;
  pool: ExecutionPool;
  payloads: PayloadStore;
  logger: Logger;
}

/** Quiet for the first second (most invocations end sooner), then every few seconds. */
function heartbeatWhileRunning(context: Context): () => void {
  let interval: NodeJS.Timeout | undefined;
  const first = setTimeout(() => {
    context.heartbeat();
    interval = setInterval(() => context.heartbeat(), 5000);
  }, 1000);
  return () => {
    clearTimeout(first);
    clearInterval(interval);
  };
}

export function createInvokeActivities(deps: InvokeActivityDeps) {
  return {
    /**
     * Runs one attempt on a warm instance. Function errors, timeouts and crashes are
     * outcomes, not failures; only platform trouble throws (AT_CAPACITY is retried).
     */
    async runFunction(request: RunFunctionRequest): Promise<AttemptOutcome> {
      const context = Context.current();
      const startedAt = new Date().toISOString();
      const stopHeartbeats = heartbeatWhileRunning(context);
      try {
        const spec = await deps.specs.get(request.functionName, request.version);
        const event = request.eventRef ? await deps.payloads.get(request.eventRef) : request.event;
        const outcome = await deps.pool.invoke(spec, { invocationId: request.invocationId, event, attempt: request.attempt }, context.cancellationSignal);
        const { value, ref } = await deps.payloads.inlineOrRef(outcome.result);
        deps.logger.debug({ invocationId: request.invocationId, status: outcome.status, durationMs: outcome.durationMs, coldStart: outcome.coldStart }, 'invocation attempt done');
        return { ...outcome, result: value, resultRef: ref, startedAt };
      } catch (err) {
        throw toFailure(err);
      } finally {
        stopHeartbeats();
      }
    },
  };
}

export type InvokeActivities = ReturnType<typeof createInvokeActivities>;
