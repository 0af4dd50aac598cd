import type { NodeService } from '../modules/meta/nodes';
import type { NodeSnapshot, Placement } from '../modules/worker/placement';

/** The task queue only one node polls. */
export function nodeTaskQueue(taskQueue: string, nodeId: string): string {
  return `${taskQueue}@${nodeId}`;
}

export interface PlacementActivityDeps {
  nodes: NodeService;
  placement: Placement;
  /** The shared task queue every node polls. */
  taskQueue: string;
  /** This process's node: an attempt placed here goes on the shared queue, where eager dispatch hands it straight back. */
  localNodeId?: string;
  /** How long this process remembers its own placements (they are in no heartbeat yet). */
  recentMs?: number;
  /**
   * Told when no live node holds a warm instance of the version: the attempt will cold-start.
   * This is where demand for a function at zero first shows, whatever started the invocation
   * (HTTP, async, Kafka, a schedule), so the scaler is woken here.
   */
  onNoWarmInstance?: (functionName: string) => void;
}

/** Where one attempt runs: a node's own queue, or the shared one. */
export interface PlacementAnswer {
  taskQueue: string;
  nodeId?: string;
}

/** The node list is read at most this often; placements in between reuse it. */
const NODES_MAX_AGE_MS = 500;

export function createPlacementActivities(deps: PlacementActivityDeps) {
  const recentMs = deps.recentMs ?? 3000;
  const placed: Array<{ nodeId: string; at: number }> = [];
  let snapshot: { at: number; nodes: Promise<NodeSnapshot[]> } | undefined;

  const liveNodes = (): Promise<NodeSnapshot[]> => {
    if (!snapshot || Date.now() - snapshot.at > NODES_MAX_AGE_MS) {
      const nodes = deps.nodes.alive().then((records) =>
        records.map((record) => ({
          nodeId: record.nodeId,
          taskQueue: record.taskQueue,
          capacity: record.capacity,
          instances: Object.fromEntries(record.functions.map((f) => [`${f.functionName}@${f.version}`, { warm: f.warm, busy: f.busy }])),
        })),
      );
      snapshot = { at: Date.now(), nodes };
      nodes.catch(() => (snapshot = undefined));
    }
    return snapshot.nodes;
  };

  const recentCounts = (): Record<string, number> => {
    const cutoff = Date.now() - recentMs;
    while (placed.length > 0 && placed[0].at < cutoff) placed.shift();
    const counts: Record<string, number> = {};
    for (const { nodeId } of placed) counts[nodeId] = (counts[nodeId] ?? 0) + 1;
    return counts;
  };

  return {
    /** Chooses where an invocation attempt runs (a local activity: it reads the node list, cached for 0.5 s). */
    async placeInvocation({ functionName, version, exclude }: { functionName: string; version: number; exclude: string[] }): Promise<PlacementAnswer> {
      const nodes = await liveNodes();
      if (!nodes.some((node) => (node.instances[`${functionName}@${version}`]?.warm ?? 0) > 0)) deps.onNoWarmInstance?.(functionName);
      const nodeId = deps.placement.place({ functionName, version, exclude, recent: recentCounts() }, nodes);
      const node = nodes.find((candidate) => candidate.nodeId === nodeId);
      if (!node) return { taskQueue: deps.taskQueue };
      placed.push({ nodeId: node.nodeId, at: Date.now() });
      // The workflow runs here: on the workflow's own queue the server dispatches the activity
      // eagerly to this worker (one round trip less), and any node may take it if this one is full.
      if (node.nodeId === deps.localNodeId) return { taskQueue: deps.taskQueue, nodeId: node.nodeId };
      return { taskQueue: node.taskQueue, nodeId: node.nodeId };
    },
  };
}

export type PlacementActivities = ReturnType<typeof createPlacementActivities>;
