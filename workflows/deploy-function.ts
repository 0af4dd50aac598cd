import { ActivityFailure, ApplicationFailure, defineQuery, log, proxyActivities, setHandler } from '@temporalio/workflow';
import type { DeployActivities } from '../activities/deploy';
import type { DeployInput, DeployProgress } from '../contracts/deployment';

export const deploymentProgressQuery = defineQuery<DeployProgress>('deploymentProgress');

const { validateCode, installDependencies, storeArtifact, warmInstance, activateVersion } = proxyActivities<DeployActivities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1 second', maximumAttempts: 3 },
});
const compensations = proxyActivities<DeployActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumAttempts: 5 },
});

const STEPS = ['validate', 'install-dependencies', 'store-artifact', 'warm', 'activate'] as const;

/**
 * Builds and activates one function version: validate → install dependencies → store the
 * artifact → warm one instance → activate. A saga: when a step fails, the steps already
 * done are undone in reverse and the version is marked failed, so the previous version
 * stays active. The failure is rethrown with the step's error code.
 */
export async function deployFunction(input: DeployInput): Promise<DeployProgress> {
  const progress: DeployProgress = { status: 'running', steps: STEPS.map((name) => ({ name, status: 'pending' })) };
  setHandler(deploymentProgressQuery, () => progress);
  const undo: Array<{ step: number; run: () => Promise<unknown> }> = [];
  const target = { functionName: input.functionName, version: input.version };
  let current = 0;

  async function run<T>(index: number, work: () => Promise<T>): Promise<T> {
    current = index;
    progress.steps[index].status = 'running';
    const result = await work();
    progress.steps[index].status = 'done';
    return result;
  }

  try {
    await run(0, () => validateCode({ stagingId: input.stagingId, runtime: input.runtime }));
    await run(1, () => installDependencies({ stagingId: input.stagingId, runtime: input.runtime }));
    await run(2, () => storeArtifact({ ...target, stagingId: input.stagingId }));
    await run(3, () => warmInstance(target));
    undo.push({ step: 3, run: () => compensations.evictVersion(target) });
    progress.previousVersion = await run(4, () => activateVersion({ ...target, makeActive: input.activate ?? true }));
    progress.status = 'succeeded';
    return progress;
  } catch (err) {
    const cause = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause : undefined;
    const message = cause?.message ?? (err as Error).message;
    progress.steps[current] = { ...progress.steps[current], status: 'failed', error: message };
    progress.status = 'failed';
    progress.error = { code: cause?.type ?? 'DEPLOYMENT_FAILED', message, details: cause?.details?.[0] };
    for (const { step, run: compensate } of undo.reverse()) {
      try {
        await compensate();
        progress.steps[step].status = 'compensated';
      } catch (compensationError) {
        log.warn('compensation failed', { step: STEPS[step], error: (compensationError as Error).message });
      }
    }
    await compensations.markVersionFailed({ ...target, stagingId: input.stagingId, message }).catch((e: Error) => log.warn('could not mark the version failed', { error: e.message }));
    throw ApplicationFailure.nonRetryable(message, progress.error.code, progress.error.details);
  }
}
