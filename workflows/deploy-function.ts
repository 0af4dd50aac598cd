import { defineQuery, log, proxyActivities, setHandler } from '@temporalio/workflow';
import type { DeployActivities } from '../activities/deploy';
import type { DeployInput, DeployProgress } from '../contracts/deployment';
import { Saga } from './saga';

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
  const saga = new Saga(progress);
  const target = { functionName: input.functionName, version: input.version };
  try {
    await saga.run(0, () => validateCode({ stagingId: input.stagingId, runtime: input.runtime }));
    await saga.run(1, () => installDependencies({ stagingId: input.stagingId, runtime: input.runtime }));
    await saga.run(2, () => storeArtifact({ ...target, stagingId: input.stagingId }));
    await saga.run(3, () => warmInstance(target));
    saga.compensate(3, () => compensations.evictVersion(target));
    progress.previousVersion = await saga.run(4, () => activateVersion({ ...target, makeActive: input.activate ?? true }));
    progress.status = 'succeeded';
    return progress;
  } catch (err) {
    const failure = await saga.fail(err, 'DEPLOYMENT_FAILED');
    await compensations.markVersionFailed({ ...target, stagingId: input.stagingId, message: failure.message }).catch((e: Error) => log.warn('could not mark the version failed', { error: e.message }));
    throw failure;
  }
}
