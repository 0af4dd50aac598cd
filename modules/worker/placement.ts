/**
 * The placement side of the worker kind (DESIGN §1: where work runs is logic an administrator
 * may replace): given the live nodes, answer the node an invocation should run on, or none to
 * send it to the shared task queue that every node polls.
 */
import { defineBuiltinModule } from '../package';
import sharedQueueDeclaration from './shared-queue.module.json';
import warmFirstDeclaration from './warm-first.module.json';

/** What placement knows about one live node (from its last heartbeat). */
export interface NodeSnapshot {
  nodeId: string;
  /** The node's own task queue. */
  taskQueue: string;
  /** Most warm instances it keeps. */
  capacity: number;
  /** Per `function@version`: instances alive and busy. */
  instances: Record<string, { warm: number; busy: number }>;
}

export interface PlacementRequest {
  functionName: string;
  version: number;
  /** Nodes that already failed this invocation (gone, or timed out): never chosen again. */
  exclude: string[];
  /** Invocations this process placed on each node in the last few seconds, not yet in any heartbeat. */
  recent: Record<string, number>;
}

export interface Placement {
  readonly id: string;
  /**
   * Whether an attempt may first try the node its workflow task runs on (the invoke fast
   * path: a local activity, when a warm instance of the version is idle there) before
   * `place` is asked.
   */
  readonly tryHereFirst: boolean;
  /** The node id to run on, or undefined for the shared queue. */
  place(request: PlacementRequest, nodes: NodeSnapshot[]): string | undefined;
}

const key = (request: Pick<PlacementRequest, 'functionName' | 'version'>) => `${request.functionName}@${request.version}`;

function load(node: NodeSnapshot, recent: number): number {
  const busy = Object.values(node.instances).reduce((sum, i) => sum + i.busy, 0);
  return (busy + recent) / Math.max(1, node.capacity);
}

/**
 * `warm-first` (the default): a node with an idle warm instance of the version (the most idle
 * ones first), else the least-loaded node (busy + recently placed, over capacity); no live
 * node at all → the shared queue. Ties go to the lower node id, so the choice is stable.
 */
export const warmFirst: Placement = {
  id: 'warm-first',
  // An idle warm instance where the workflow task runs is the warmest place there is.
  tryHereFirst: true,
  place(request, nodes) {
    const candidates = nodes.filter((node) => !request.exclude.includes(node.nodeId));
    if (candidates.length === 0) return undefined;
    const idle = (node: NodeSnapshot) => {
      const held = node.instances[key(request)];
      return held ? held.warm - held.busy - (request.recent[node.nodeId] ?? 0) : 0;
    };
    const warm = candidates.filter((node) => idle(node) > 0).sort((a, b) => idle(b) - idle(a) || a.nodeId.localeCompare(b.nodeId));
    if (warm.length > 0) return warm[0].nodeId;
    const byLoad = [...candidates].sort(
      (a, b) => load(a, request.recent[a.nodeId] ?? 0) - load(b, request.recent[b.nodeId] ?? 0) || a.nodeId.localeCompare(b.nodeId),
    );
    return byLoad[0].nodeId;
  },
};

/** `shared-queue`: every invocation to the shared task queue; whichever node polls first runs it. */
export const sharedQueue: Placement = {
  id: 'shared-queue',
  tryHereFirst: false,
  place: () => undefined,
};

export const warmFirstPlacement = defineBuiltinModule<Placement>(warmFirstDeclaration, () => warmFirst);

export const sharedQueuePlacement = defineBuiltinModule<Placement>(sharedQueueDeclaration, () => sharedQueue);
