import { Context, sleep } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { CheckedModule, InstallProgress } from '../contracts/modules';
import type { InstalledModuleRecord } from '../modules/hub/entities';
import type { InstalledModules } from '../modules/hub/installed';
import { checkModule, type CheckModuleDeps } from '../modules/hub/installer';
import { isPyFaaSError } from '../common/errors';
import { asActivity, toFailure } from './failures';

export interface ModuleActivityDeps extends CheckModuleDeps {
  installed: InstalledModules;
}

const POLL_MS = 100;

export function createModuleActivities(deps: ModuleActivityDeps) {
  return {
    /** Fetch, integrity, unpack, signature, policy, clash, dependencies, load, self-check (modules/hub/installer.ts). */
    async checkModule(request: { package: string; version: string }): Promise<CheckedModule> {
      try {
        return await checkModule(deps, request);
      } catch (err) {
        // The hub away is retried by Temporal; when it stays away the workflow still sees its code.
        if (isPyFaaSError(err) && err.status >= 500) throw ApplicationFailure.retryable(err.message, err.code, err.details);
        throw toFailure(err);
      }
    },

    /** Makes the checked module the one serving its kind/id everywhere; answers the record it replaced. */
    async recordModule({ module, requestedBy }: { module: CheckedModule; requestedBy: string }): Promise<InstalledModuleRecord | undefined> {
      return asActivity(() => deps.installed.put({ ...module, installedBy: requestedBy, installedAt: new Date() }));
    },

    /** The compensation of recordModule: the previous record back (or none), so every process returns to it. */
    async restoreModule({ kind, id, previous }: { kind: string; id: string; previous?: InstalledModuleRecord }): Promise<void> {
      if (previous) await deps.installed.put({ ...previous, installedAt: new Date(previous.installedAt) });
      else await deps.installed.remove(kind, id);
    },

    /**
     * Waits until every live process (modules/hub/installed.ts PROCESS_TTL_MS) serves the
     * module at this version. A process that reports it failed to load it fails the wait at
     * once with its reason (MODULE_LOAD_FAILED); so does the timeout (MODULE_NOT_EVERYWHERE).
     */
    async awaitModuleEverywhere({ module, timeoutMs }: { module: CheckedModule; timeoutMs: number }): Promise<Pick<InstallProgress, 'processes' | 'everywhereMs'>> {
      const key = `${module.kind}/${module.id}`;
      const startedAt = Date.now();
      for (;;) {
        const processes = await deps.installed.processes();
        const failed = processes.find((p) => p.loaded[key]?.startsWith(`!${module.version}:`));
        if (failed) {
          throw ApplicationFailure.nonRetryable(`Process ${failed.processId} (${failed.roles} on ${failed.host}) could not load ${module.package}@${module.version}: ${failed.loaded[key].slice(module.version.length + 3)}`, 'MODULE_LOAD_FAILED');
        }
        const waiting = processes.filter((p) => p.loaded[key] !== module.version);
        if (processes.length > 0 && waiting.length === 0) {
          return { processes: processes.map(({ processId, roles, host }) => ({ processId, roles, host })), everywhereMs: Date.now() - startedAt };
        }
        if (Date.now() - startedAt > timeoutMs) {
          throw ApplicationFailure.nonRetryable(`${waiting.length} process(es) did not load ${module.package}@${module.version} within ${timeoutMs} ms: ${waiting.map((p) => p.processId).join(', ')}.`, 'MODULE_NOT_EVERYWHERE');
        }
        Context.current().heartbeat();
        await sleep(POLL_MS);
      }
    },
  };
}

export type ModuleActivities = ReturnType<typeof createModuleActivities>;
