import {
  ActivityFailure,
  ApplicationFailure,
  isCancellation,
  proxyActivities,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { InvokeActivities } from '../activities/invoke';
import type { AttemptOutcome, InvocationRecord, InvokeInput } from './contracts';
import { STATUS_KEY } from './search-attributes';

/** Time for a cold start on top of the function's own timeout. */
const COLD_START_ALLOWANCE_MS = 15_000;
/** Backoff between async retries after a function error: 1 s, 2 s, 4 s… up to 30 s. */
const FUNCTION_RETRY_BASE_MS = 1000;
const FUNCTION_RETRY_MAX_MS = 30_000;

function setStatus(status: string): void {
  upsertSearchAttributes([{ key: STATUS_KEY, value: status }]);
}

function finalStatus(outcome: AttemptOutcome): InvocationRecord['status'] {
  if (outcome.status === 'succeeded') return 'succeeded';
  if (outcome.status === 'timed_out') return 'timed_out';
  return 'failed';
}

/** True when another attempt could change the outcome (async invocations only). */
function worthRetrying(input: InvokeInput, outcome: AttemptOutcome, attempt: number): boolean {
  if (input.mode === 'sync' || outcome.status === 'succeeded') return false;
  if (attempt >= input.retry.maxAttempts) return false;
  return !input.retry.nonRetryableErrors.includes(outcome.error?.type ?? '');
}

/**
 * One invocation of a function. The workflow id is the invocation id. The activity runs
 * the function on a warm instance; platform trouble (no free instance, a lost worker) is
 * retried by Temporal for as long as the invocation may take, while function errors are
 * retried here, per the function's policy, for async invocations only.
 */
export async function invokeFunction(input: InvokeInput): Promise<InvocationRecord> {
  const { runFunction } = proxyActivities<InvokeActivities>({
    startToCloseTimeout: input.timeoutMs + COLD_START_ALLOWANCE_MS,
    scheduleToCloseTimeout: Math.max(5 * 60_000, (input.timeoutMs + COLD_START_ALLOWANCE_MS) * 2),
    heartbeatTimeout: 20_000,
    retry: { initialInterval: '50 milliseconds', backoffCoefficient: 1.5, maximumInterval: '2 seconds', nonRetryableErrorTypes: ['FUNCTION_NOT_FOUND', 'VERSION_NOT_FOUND'] },
  });
  setStatus('running');
  let attempt = 0;
  try {
    for (;;) {
      attempt += 1;
      const outcome = await runFunction({
        invocationId: workflowInfo().workflowId,
        functionName: input.functionName,
        version: input.version,
        event: input.event,
        eventRef: input.eventRef,
        attempt,
      });
      if (worthRetrying(input, outcome, attempt)) {
        await sleep(Math.min(FUNCTION_RETRY_BASE_MS * 2 ** (attempt - 1), FUNCTION_RETRY_MAX_MS));
        continue;
      }
      const status = finalStatus(outcome);
      setStatus(status);
      return {
        functionName: input.functionName, version: input.version, mode: input.mode, trigger: input.trigger, status,
        result: outcome.result, resultRef: outcome.resultRef, error: outcome.error, logs: outcome.logs,
        coldStart: outcome.coldStart, attempts: attempt, durationMs: outcome.durationMs,
      };
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
