import { defineQuery, proxyActivities, setHandler } from '@temporalio/workflow';
import type { ModuleActivities } from '../activities/modules';
import type { InstallModuleInput, InstallProgress } from '../contracts/modules';
import { Saga } from './saga';

export const installProgressQuery = defineQuery<InstallProgress>('installProgress');

/** A bad package is not retried: its checks answer the same each time. Platform trouble is. */
const { checkModule, recordModule } = proxyActivities<ModuleActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '500 milliseconds', maximumAttempts: 3 },
});
const { awaitModuleEverywhere } = proxyActivities<ModuleActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { maximumAttempts: 2 },
});
const compensations = proxyActivities<ModuleActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumAttempts: 10 },
});

const STEPS = ['check', 'record', 'everywhere'] as const;
const DEFAULT_EVERYWHERE_TIMEOUT_MS = 60_000;

/**
 * Installs (or upgrades, or rolls back to) one module version from the hub: check it (fetch,
 * integrity, signature, manifest, load, self-check — modules/hub/installer.ts) → record it as
 * the module serving its kind/id → wait until every live process serves it. A saga: when a
 * later step fails the record is put back as it was, so every process returns to the
 * previous module; the failure is rethrown with its code.
 */
export async function installModule(input: InstallModuleInput): Promise<InstallProgress> {
  const progress: InstallProgress = { package: input.package, version: input.version, status: 'running', steps: STEPS.map((name) => ({ name, status: 'pending' })) };
  setHandler(installProgressQuery, () => progress);
  const saga = new Saga(progress);
  try {
    const module = await saga.run(0, () => checkModule({ package: input.package, version: input.version }));
    progress.module = module;
    const previous = await saga.run(1, () => recordModule({ module, requestedBy: input.requestedBy }));
    saga.compensate(1, () => compensations.restoreModule({ kind: module.kind, id: module.id, previous }));
    if (previous) progress.previousVersion = previous.version;
    Object.assign(progress, await saga.run(2, () => awaitModuleEverywhere({ module, timeoutMs: input.everywhereTimeoutMs ?? DEFAULT_EVERYWHERE_TIMEOUT_MS })));
    progress.status = 'succeeded';
    return progress;
  } catch (err) {
    throw await saga.fail(err, 'MODULE_INSTALL_FAILED');
  }
}
