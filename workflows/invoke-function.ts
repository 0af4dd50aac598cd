import {
  ActivityFailure,
  ApplicationFailure,
  isCancellation,
  proxyLocalActivities,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { InvokeActivities } from '../activities/invoke';
import type { AttemptOutcome, InvocationPlan, InvocationRecord, InvokeInput } from '../contracts/invocation';
import { deliverToDestination } from './destinations';
import { runAttempt } from './attempt';
import { NOT_RETRYABLE } from './placed-run';
import { STATUS_KEY, VERSION_KEY } from '../contracts/search-attributes';

/** Backoff between async retries after a function error: 1 s, 2 s, 4 s… up to 30 s. */
const FUNCTION_RETRY_BASE_MS = 1000;
const FUNCTION_RETRY_MAX_MS = 30_000;
/** The first generation (contracts/invocation.ts INVOKE_GENERATION) that tries the fast path. */
const FAST_PATH_GENERATION = 2;

const { planInvocation } = proxyLocalActivities<InvokeActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '5 seconds', maximumAttempts: 20, nonRetryableErrorTypes: NOT_RETRYABLE },
});

function setStatus(status: string): void {
  upsertSearchAttributes([{ key: STATUS_KEY, value: status }]);
}

function finalStatus(outcome: AttemptOutcome): InvocationRecord['status'] {
  if (outcome.status === 'succeeded') return 'succeeded';
  if (outcome.status === 'timed_out') return 'timed_out';
  return 'failed';
}

/** True when another attempt could change the outcome (async invocations only). */
function worthRetrying(input: InvokeInput, plan: InvocationPlan, outcome: AttemptOutcome, attempt: number): boolean {
  if (input.mode === 'sync' || outcome.status === 'succeeded') return false;
  if (attempt >= plan.retry.maxAttempts) return false;
  return !plan.retry.nonRetryableErrors.includes(outcome.error?.type ?? '');
}

/** The plan the starter gave, or the function's current one (triggers), shown in the Temporal UI. */
async function planOf(input: InvokeInput): Promise<InvocationPlan> {
  if (input.plan) return input.plan;
  const plan = await planInvocation({ functionName: input.functionName, version: input.version });
  upsertSearchAttributes([{ key: VERSION_KEY, value: String(plan.version) }]);
  return plan;
}

/**
 * One invocation of a function. The workflow id is the invocation id. The first attempt
 * tries the fast path (workflows/attempt.ts); others run on the node placement chooses
 * (workflows/placed-run.ts); platform trouble (no free instance, a
 * lost node) is retried there, while function errors are retried here, per the function's
 * policy, for async invocations only. An async invocation's record then goes to the
 * function's destination for its outcome, if it has one.
 */
export async function invokeFunction(input: InvokeInput): Promise<InvocationRecord> {
  let attempt = 0;
  // `queued` (set at start) until an attempt waits on a placed activity: a fast-path run
  // goes from queued to its outcome in one workflow task, with one upsert.
  let markedRunning = false;
  const markRunning = () => {
    if (!markedRunning) setStatus('running');
    markedRunning = true;
  };
  // Started before the fast path (no generation): its history begins with the running upsert and places every attempt.
  const fastPath = (input.generation ?? 1) >= FAST_PATH_GENERATION;
  if (!fastPath) markRunning();
  try {
    const plan = await planOf(input);
    for (;;) {
      attempt += 1;
      const { workflowId, runStartTime } = workflowInfo();
      const request = { invocationId: workflowId, functionName: input.functionName, event: input.event, eventRef: input.eventRef, attempt, trigger: input.trigger, caller: input.caller, queuedAt: runStartTime.getTime() };
      const outcome = await runAttempt(plan, request, { tryHere: fastPath && attempt === 1, beforePlacing: markRunning });
      if (worthRetrying(input, plan, outcome, attempt)) {
        markRunning(); // it waits out a backoff: running meanwhile
        await sleep(Math.min(FUNCTION_RETRY_BASE_MS * 2 ** (attempt - 1), FUNCTION_RETRY_MAX_MS));
        continue;
      }
      const status = finalStatus(outcome);
      setStatus(status);
      const record: InvocationRecord = {
        functionName: input.functionName, version: plan.version, mode: input.mode, trigger: input.trigger, status,
        result: outcome.result, resultRef: outcome.resultRef, error: outcome.error, logs: outcome.logs,
        coldStart: outcome.coldStart, attempts: attempt, durationMs: outcome.durationMs, nodeId: outcome.nodeId, path: outcome.path,
      };
      if (input.mode === 'async') await deliverToDestination(input, plan.destinations, record);
      return record;
    }
  } catch (err) {
    if (isCancellation(err)) {
      setStatus('cancelled');
      throw err;
    }
    setStatus('failed');
    // A platform failure (e.g. the function vanished): keep its type for the API.
    if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) throw err.cause;
    throw err;
  }
}
