import { WorkerNodeSchema, type WorkerNodeRecord } from './entities';
import type { MetaStore } from './store';

/** A node that has not heartbeaten for this long is out of placement. */
export const NODE_TTL_MS = 10_000;

/**
 * The worker nodes: each worker process writes its record every few seconds (capacity and
 * what it holds warm); placement and the scaler read the nodes heard from within the TTL.
 */
export class NodeService {
  constructor(private readonly store: MetaStore) {}

  /** Creates or replaces the node's record, stamped now. */
  async heartbeat(node: Omit<WorkerNodeRecord, 'lastHeartbeatAt'>): Promise<void> {
    const em = this.store.em();
    await em.upsert(WorkerNodeSchema, { ...node, lastHeartbeatAt: new Date() });
  }

  /** Nodes heard from within `ttlMs`, by node id. */
  async alive(ttlMs = NODE_TTL_MS): Promise<WorkerNodeRecord[]> {
    return this.store.em().find(WorkerNodeSchema, { lastHeartbeatAt: { $gt: new Date(Date.now() - ttlMs) } }, { orderBy: { nodeId: 'asc' } });
  }

  /** A node leaving on purpose takes itself out of placement at once. */
  async remove(nodeId: string): Promise<void> {
    await this.store.em().nativeDelete(WorkerNodeSchema, { nodeId });
  }
}
