import { proxyLocalActivities } from '@temporalio/workflow';
import type { InvokeActivities, RunFunctionRequest } from '../activities/invoke';
import type { AttemptOutcome, InvocationPlan } from '../contracts/invocation';
import { notRetryable, runPlaced } from './placed-run';

/** Time for the fast path on top of the function's own timeout (reading the spec and payloads). */
const HERE_ALLOWANCE_MS = 5000;

function here(plan: InvocationPlan) {
  return proxyLocalActivities<InvokeActivities>({ startToCloseTimeout: plan.timeoutMs + HERE_ALLOWANCE_MS, retry: { maximumAttempts: 1 } }).runHere;
}

export interface AttemptOptions {
  /** Try the fast path first (the first attempt, when the placement module allows it). */
  tryHere: boolean;
  /** Called once the attempt goes the placed way (it will wait on an activity task). */
  beforePlacing(): void;
}

/**
 * One attempt of an invocation. The fast path runs it as a local activity inside the
 * workflow task itself, on the node that took the task, when a warm instance of the version
 * is idle there: with an eager start on that node (role `all`) the whole invocation is one
 * workflow task. Anywhere else (no idle instance here, the function at its cap, a retry,
 * platform trouble reading the spec) the attempt is placed as before (workflows/placed-run.ts).
 * A node that dies during a local run loses the workflow task; Temporal gives it to another
 * worker, whose replay runs the attempt again, there or placed: at least once, as activities.
 */
export async function runAttempt(plan: InvocationPlan, request: Omit<RunFunctionRequest, 'version'>, options: AttemptOptions): Promise<AttemptOutcome> {
  if (options.tryHere) {
    try {
      const outcome = await here(plan)({ ...request, version: plan.version });
      if (!('declined' in outcome)) return outcome;
    } catch (err) {
      if (notRetryable(err)) throw err;
      // Anything else (the meta store briefly away, a local timeout): the placed path retries it.
    }
  }
  options.beforePlacing();
  return runPlaced(plan, request);
}
