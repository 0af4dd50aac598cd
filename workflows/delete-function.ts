import { proxyActivities } from '@temporalio/workflow';
import type { DeleteActivities } from '../activities/delete';
import type { DeleteInput } from '../contracts/deployment';

/**
 * Deletes a function already marked `deleting` (no new invocations): remove its triggers,
 * drain the running invocations, stop its instances, then remove its records and unused code.
 */
export async function deleteFunction(input: DeleteInput): Promise<{ cancelled: number; removedArtifacts: number; removedTriggers: string[] }> {
  const { removeTriggers, drainInvocations, evictInstances, removeFunction } = proxyActivities<DeleteActivities>({
    startToCloseTimeout: input.drainMs + 60_000,
    retry: { initialInterval: '1 second', maximumAttempts: 5 },
  });
  const { removedTriggers } = await removeTriggers(input);
  const { cancelled } = await drainInvocations(input);
  await evictInstances(input);
  const { removedArtifacts } = await removeFunction(input);
  return { cancelled, removedArtifacts, removedTriggers };
}
