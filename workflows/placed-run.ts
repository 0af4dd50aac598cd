import { ActivityFailure, ApplicationFailure, TimeoutFailure, proxyActivities, proxyLocalActivities, sleep } from '@temporalio/workflow';
import type { RunFunctionRequest } from '../activities/invoke';
import type { InvokeActivities } from '../activities/invoke';
import type { PlacementActivities } from '../activities/placement';
import type { AttemptOutcome, InvocationPlan } from '../contracts/invocation';

/** Time for a cold start on top of the function's own timeout. */
const COLD_START_ALLOWANCE_MS = 15_000;
/** How long platform trouble (no free instance, lost nodes) may delay one attempt. */
const PLATFORM_PATIENCE_MS = 5 * 60_000;
export const NOT_RETRYABLE = ['FUNCTION_NOT_FOUND', 'VERSION_NOT_FOUND', 'NO_ACTIVE_VERSION'];

const { placeInvocation } = proxyLocalActivities<PlacementActivities>({
  startToCloseTimeout: '5 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '2 seconds', maximumAttempts: 10 },
});

/** On a node's own queue: no Temporal retry (the workflow places again, elsewhere if the node is gone). */
function onNode(plan: InvocationPlan, taskQueue: string) {
  return proxyActivities<InvokeActivities>({
    taskQueue,
    startToCloseTimeout: plan.timeoutMs + COLD_START_ALLOWANCE_MS,
    // A node that died before taking the task, or while running it, is noticed within seconds.
    scheduleToStartTimeout: '10 seconds',
    heartbeatTimeout: '6 seconds',
    retry: { maximumAttempts: 1 },
  }).runFunction;
}

/** On the shared queue (no live node known, or the `shared-queue` placement): Temporal retries platform trouble. */
function onSharedQueue(plan: InvocationPlan, taskQueue: string) {
  return proxyActivities<InvokeActivities>({
    taskQueue,
    startToCloseTimeout: plan.timeoutMs + COLD_START_ALLOWANCE_MS,
    scheduleToCloseTimeout: Math.max(PLATFORM_PATIENCE_MS, (plan.timeoutMs + COLD_START_ALLOWANCE_MS) * 2),
    heartbeatTimeout: '20 seconds',
    retry: { initialInterval: '50 milliseconds', backoffCoefficient: 1.5, maximumInterval: '2 seconds', nonRetryableErrorTypes: NOT_RETRYABLE },
  }).runFunction;
}

export function notRetryable(err: unknown): boolean {
  return err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && (err.cause.nonRetryable || NOT_RETRYABLE.includes(err.cause.type ?? ''));
}

/** The node took too long to start or went silent: it may be gone. */
function nodeLost(err: unknown): boolean {
  return err instanceof ActivityFailure && err.cause instanceof TimeoutFailure;
}

/**
 * Runs one attempt of an invocation where the worker module's placement says. A node that
 * times out (gone, or silent past the heartbeat timeout) is excluded and the attempt placed
 * again; a node at capacity is tried again after a short backoff. Platform trouble ends the
 * attempt with a clear error after PLATFORM_PATIENCE_MS, never a hang.
 */
export async function runPlaced(plan: InvocationPlan, request: Omit<RunFunctionRequest, 'version'>): Promise<AttemptOutcome> {
  const deadline = Date.now() + PLATFORM_PATIENCE_MS;
  const exclude: string[] = [];
  let backoffMs = 50;
  for (;;) {
    const place = await placeInvocation({ functionName: request.functionName, version: plan.version, exclude });
    if (!place.nodeId) return onSharedQueue(plan, place.taskQueue)({ ...request, version: plan.version });
    try {
      return await onNode(plan, place.taskQueue)({ ...request, version: plan.version });
    } catch (err) {
      if (notRetryable(err) || Date.now() > deadline) throw err;
      if (nodeLost(err)) exclude.push(place.nodeId);
      else await sleep(backoffMs);
      backoffMs = Math.min(backoffMs * 2, 2000);
    }
  }
}
