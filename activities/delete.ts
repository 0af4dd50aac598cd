import type { Client } from '@temporalio/client';
import type { Logger } from '../common/logger';
import type { ArtifactStore } from '../modules/artifacts/artifact-store';
import type { FunctionService } from '../modules/meta/functions';
import type { TriggerService } from '../modules/trigger/service';
import type { ExecutionPool } from '../modules/worker/contract';
import type { VersionSpecs } from './version-specs';

export interface DeleteActivityDeps {
  client: Client;
  functions: FunctionService;
  triggers: TriggerService;
  artifacts: ArtifactStore;
  specs: VersionSpecs;
  pool: ExecutionPool;
  logger: Logger;
}

function runningQuery(functionName: string): string {
  return `WorkflowType = 'invokeFunction' AND ExecutionStatus = 'Running' AND PyFaaSFunction = '${functionName}'`;
}

/** The steps of deleteFunction. The function name was validated when it was created. */
export function createDeleteActivities(deps: DeleteActivityDeps) {
  async function runningInvocations(functionName: string): Promise<string[]> {
    const ids: string[] = [];
    for await (const execution of deps.client.workflow.list({ query: runningQuery(functionName) })) ids.push(execution.workflowId);
    return ids;
  }

  return {
    /** Deletes the function's triggers (schedules included), so no new event reaches it. */
    async removeTriggers({ functionName }: { functionName: string }): Promise<{ removedTriggers: string[] }> {
      return { removedTriggers: await deps.triggers.deleteForFunction(functionName) };
    },

    /** Waits for running invocations to end, up to drainMs; cancels those still running then. */
    async drainInvocations({ functionName, drainMs }: { functionName: string; drainMs: number }): Promise<{ cancelled: number }> {
      const deadline = Date.now() + drainMs;
      let running = await runningInvocations(functionName);
      while (running.length > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        running = await runningInvocations(functionName);
      }
      await Promise.all(running.map((id) => deps.client.workflow.getHandle(id).cancel().catch(() => undefined)));
      if (running.length > 0) deps.logger.warn({ functionName, cancelled: running.length }, 'cancelled invocations still running after the drain period');
      return { cancelled: running.length };
    },

    async evictInstances({ functionName }: { functionName: string }): Promise<void> {
      await deps.pool.evict(functionName, undefined, 0);
    },

    /** Removes the records, then the code no other function uses. */
    async removeFunction({ functionName }: { functionName: string }): Promise<{ removedArtifacts: number }> {
      const unused = await deps.functions.remove(functionName);
      for (const hash of unused) await deps.artifacts.remove(hash);
      return { removedArtifacts: unused.length };
    },
  };
}

export type DeleteActivities = ReturnType<typeof createDeleteActivities>;
