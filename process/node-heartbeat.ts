import type { Logger } from '../common/logger';
import type { NodeFunctionStats } from '../modules/meta/entities';
import type { NodeService } from '../modules/meta/nodes';
import type { ExecutionPool } from '../modules/worker';
import type { HeartbeatRecorder } from '../modules/observability';

export const HEARTBEAT_INTERVAL_MS = 2000;

/**
 * What the pool holds, per function version, as a heartbeat reports it: only versions with an
 * instance or a target, so a heartbeat's size (and the placement and scaler reads of it) grows
 * with what is warm, not with every function this node ever ran. A version reported again
 * after a pause brings its cumulative counters back; the scaler takes its first sample of a
 * function after waking as the counters' baseline.
 */
export function nodeFunctionStats(pool: ExecutionPool): NodeFunctionStats[] {
  const stats = pool.stats();
  const byKey = new Map<string, NodeFunctionStats>();
  const entry = (functionName: string, version: number) => {
    const key = `${functionName}@${version}`;
    let found = byKey.get(key);
    if (!found) {
      found = { functionName, version, warm: 0, busy: 0, target: 0, invocations: 0, coldStarts: 0 };
      byKey.set(key, found);
    }
    return found;
  };
  for (const instance of stats.instances) {
    const found = entry(instance.functionName, instance.version);
    found.warm += 1;
    if (instance.busy) found.busy += 1;
  }
  for (const [key, counter] of Object.entries(stats.counters)) {
    const at = key.lastIndexOf('@');
    Object.assign(entry(key.slice(0, at), Number(key.slice(at + 1))), counter);
  }
  for (const [key, target] of Object.entries(stats.targets)) {
    const at = key.lastIndexOf('@');
    entry(key.slice(0, at), Number(key.slice(at + 1))).target = target;
  }
  return [...byKey.values()].filter((entry) => entry.warm > 0 || entry.target > 0);
}

/**
 * Announces this worker node and heartbeats every 2 s with what it holds, until stopped;
 * stopping removes the node at once (placement stops choosing it). A failed heartbeat is
 * logged and tried again on the next tick: after the TTL the node simply drops out.
 */
export function startNodeHeartbeat(deps: { nodes: NodeService; pool: ExecutionPool; nodeId: string; taskQueue: string; capacity: number; logger: Logger; metrics?: HeartbeatRecorder }): () => Promise<void> {
  const startedAt = new Date();
  let stopped = false;
  let beating: Promise<void> = Promise.resolve();
  const beat = async () => {
    try {
      await deps.nodes.heartbeat({ nodeId: deps.nodeId, taskQueue: deps.taskQueue, capacity: deps.capacity, functions: nodeFunctionStats(deps.pool), startedAt });
      deps.metrics?.heartbeat(true);
    } catch (err) {
      deps.metrics?.heartbeat(false);
      deps.logger.warn({ err, nodeId: deps.nodeId }, 'node heartbeat failed; trying again');
    }
  };
  beating = beat();
  const timer = setInterval(() => {
    if (!stopped) beating = beating.then(beat);
  }, HEARTBEAT_INTERVAL_MS);
  return async () => {
    stopped = true;
    clearInterval(timer);
    await beating;
    await deps.nodes.remove(deps.nodeId).catch((err) => deps.logger.warn({ err }, 'could not remove the node record'));
  };
}
