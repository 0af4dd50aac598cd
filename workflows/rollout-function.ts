import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  defineQuery,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  sleep,
} from '@temporalio/workflow';
import type { RolloutActivities } from '../activities/rollout';
import type { AliasRouteSpec, RolloutInput, RolloutProgress, RolloutStep } from '../contracts/rollout';

export const rolloutProgressQuery = defineQuery<RolloutProgress>('rolloutProgress');

const { beginRollout, prewarmVersion, shiftAlias, versionHealth } = proxyActivities<RolloutActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumAttempts: 5 },
});
const compensations = proxyActivities<RolloutActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumAttempts: 10 },
});

function percent(rate: number): string {
  return `${(rate * 100).toFixed(1)}%`;
}

function routesAt(fromVersion: number, toVersion: number, weight: number): AliasRouteSpec[] {
  if (weight >= 100) return [{ version: toVersion, weight: 100 }];
  return [
    { version: fromVersion, weight: 100 - weight },
    { version: toVersion, weight },
  ];
}

/** A health check failed: the rollout stops and rolls back (not an error of the workflow). */
class Unhealthy extends Error {}

/**
 * Moves an alias's traffic to a new version: check it is ready → pre-warm it → for each
 * step, send it that share, wait, and check its error rate over the invocations that
 * started in the step. A step with fewer than `minInvocations` ended passes with a note.
 * A saga: once the alias moved, a failed check, a failed step or a cancellation restores
 * the alias's original routes — unless someone changed the alias meanwhile (each write is
 * a compare-and-set against what the rollout wrote last), whose change then stands.
 * Ends `succeeded` or `rolled_back` as its result; other failures fail the workflow with
 * the progress as the failure's details.
 */
export async function rolloutFunction(input: RolloutInput): Promise<RolloutProgress> {
  const { functionName, alias, toVersion } = input;
  const progress: RolloutProgress = {
    status: 'running', functionName, alias, toVersion,
    steps: input.steps.map((weight): RolloutStep => ({ weight, status: 'pending', invocations: 0, failed: 0, errorRate: null })),
  };
  setHandler(rolloutProgressQuery, () => progress);
  const target = { functionName, alias };
  const undo: Array<() => Promise<unknown>> = [];
  let written: AliasRouteSpec[] = [];
  let step: RolloutStep | undefined;

  try {
    const begun = await beginRollout({ ...target, toVersion });
    progress.fromVersion = begun.fromVersion;
    progress.originalRoutes = begun.routes;
    written = begun.routes;
    await prewarmVersion({ functionName, version: toVersion });

    for (step of progress.steps) {
      step.status = 'running';
      const routes = routesAt(begun.fromVersion, toVersion, step.weight);
      const { at } = await shiftAlias({ ...target, expected: written, routes });
      written = routes;
      if (undo.length === 0) undo.push(() => compensations.shiftAlias({ ...target, expected: written, routes: begun.routes }));
      step.startedAt = at;
      await sleep(input.stepPauseMs);

      const health = await versionHealth({ functionName, version: toVersion, since: at });
      step.invocations = health.invocations;
      step.failed = health.failed;
      step.errorRate = health.invocations > 0 ? health.failed / health.invocations : null;
      if (health.invocations < input.minInvocations) {
        step.status = 'passed';
        step.note = `Only ${health.invocations} invocations of version ${toVersion} ended in this step, fewer than ${input.minInvocations}: too few to judge, proceeding.`;
        continue;
      }
      const rate = step.errorRate ?? 0;
      if (rate > input.maxErrorRate) {
        step.status = 'failed';
        step.note = `Error rate ${percent(rate)} is above the maximum ${percent(input.maxErrorRate)}.`;
        throw new Unhealthy(
          `Error rate ${percent(rate)} (${health.failed} of ${health.invocations} invocations of version ${toVersion} failed) ` +
            `exceeded the maximum ${percent(input.maxErrorRate)} at the ${step.weight}% step.`,
        );
      }
      step.status = 'passed';
      step.note = `Error rate ${percent(rate)} is within the maximum ${percent(input.maxErrorRate)}.`;
    }
    progress.status = 'succeeded';
    return progress;
  } catch (err) {
    const cancelled = isCancellation(err);
    const cause = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause : undefined;
    progress.reason = cancelled ? 'The rollout was cancelled.' : (cause?.message ?? (err as Error).message);
    progress.status = err instanceof Unhealthy || cancelled ? 'rolled_back' : 'failed';
    if (cause?.type === 'ALIAS_CHANGED') {
      // Someone else set the alias: their change stands.
      undo.length = 0;
      progress.reason += ' The rollout stopped and left the alias as it is.';
    }
    if (step?.status === 'running') step.status = 'failed';
    for (const pending of progress.steps) if (pending.status === 'pending') pending.status = 'skipped';

    // Compensations run even when the workflow is being cancelled.
    await CancellationScope.nonCancellable(async () => {
      for (const compensate of undo.reverse()) {
        try {
          await compensate();
        } catch (compensationError) {
          const failure = compensationError instanceof ActivityFailure ? compensationError.cause : compensationError;
          log.warn('rollout compensation failed', { error: (failure as Error).message });
          progress.status = 'failed';
          progress.reason += ` The alias was not restored: ${(failure as Error).message}`;
        }
      }
    });
    if (cancelled) throw err;
    if (progress.status === 'rolled_back') return progress;
    throw ApplicationFailure.nonRetryable(progress.reason, cause?.type ?? 'ROLLOUT_FAILED', progress);
  }
}
