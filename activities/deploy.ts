import type { Logger } from '../common/logger';
import type { ArtifactStore } from '../modules/artifacts/artifact-store';
import type { FunctionService } from '../modules/meta/functions';
import type { RuntimeModule } from '../modules/runtime/contract';
import type { ExecutionPool } from '../modules/worker/contract';
import { asActivity } from './failures';
import type { VersionSpecs } from './version-specs';

export interface DeployActivityDeps {
  artifacts: ArtifactStore;
  runtime: (id: string) => RuntimeModule;
  functions: FunctionService;
  specs: VersionSpecs;
  pool: ExecutionPool;
  depsCacheDir: string;
  logger: Logger;
}

interface Staged {
  stagingId: string;
  runtime: string;
}

interface Target {
  functionName: string;
  version: number;
}

/** The steps of deployFunction, each idempotent (a retried step finds its work done). */
export function createDeployActivities(deps: DeployActivityDeps) {
  return {
    async validateCode({ stagingId, runtime }: Staged): Promise<void> {
      await asActivity(() => deps.artifacts.validate(stagingId, deps.runtime(runtime)), 'SYNTAX_ERROR');
    },

    async installDependencies({ stagingId, runtime }: Staged): Promise<void> {
      await asActivity(() => deps.artifacts.install(stagingId, deps.runtime(runtime), deps.depsCacheDir, deps.logger), 'DEPENDENCY_INSTALL_FAILED');
    },

    /** Publishes the code content-addressed and records where the version's code lives. */
    async storeArtifact({ functionName, version, stagingId }: Target & { stagingId: string }): Promise<string> {
      return asActivity(async () => {
        const { codeDir } = await deps.artifacts.commit(stagingId);
        await deps.functions.updateVersion(functionName, version, { status: 'deploying', artifactPath: codeDir });
        await deps.artifacts.discard(stagingId);
        return codeDir;
      });
    },

    /** Loads the handler in one instance: proof it imports, and the first invocation is warm. */
    async warmInstance({ functionName, version }: Target): Promise<void> {
      await asActivity(async () => deps.pool.warm(await deps.specs.get(functionName, version)));
    },

    /** Marks the version ready and (unless `makeActive` is false) active; returns the active version before. */
    async activateVersion({ functionName, version, makeActive }: Target & { makeActive?: boolean }): Promise<number | undefined> {
      return asActivity(() => deps.functions.activate(functionName, version, makeActive ?? true));
    },

    async evictVersion({ functionName, version }: Target): Promise<void> {
      await deps.pool.evict(functionName, version, 0);
    },

    async markVersionFailed({ functionName, version, stagingId, message }: Target & { stagingId: string; message: string }): Promise<void> {
      await deps.functions.updateVersion(functionName, version, { status: 'failed', error: message });
      await deps.artifacts.discard(stagingId);
    },
  };
}

export type DeployActivities = ReturnType<typeof createDeployActivities>;
