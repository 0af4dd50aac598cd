import { count } from './parse';

/** One live node as placement sees it. */
export interface NodePlacement {
  nodeId: string;
  /** Most warm instances of this function the node may hold (a whole number). */
  capacity: number;
  /** Warm instances of this function on the node now. */
  warm: number;
}

/**
 * Spreads a total of `desired` warm instances over live nodes, moving as few as it can:
 *
 * 1. every node keeps the instances it has (at most its capacity: a node that shrank loses
 *    the excess whatever the total);
 * 2. when that is more than desired, instances go one at a time from the node with the least
 *    free room (ties: the one holding more, then the lower node id), which relieves crowded
 *    nodes first;
 * 3. when it is less, instances are added one at a time to the node with the most free room
 *    (ties: the lower node id), never past a node's capacity.
 *
 * Returns every node id, 0 included, so the caller can stop instances on nodes left out. When
 * the nodes are full the counts add up to less than `desired`. Node ids must be unique; a bad
 * number (negative, fractional, NaN) counts as its floor or 0. Steps are one instance each, so
 * the cost is O(nodes × instances moved): fine for the platform's MAX_INSTANCES.
 */
export function distribute(desired: number, nodes: NodePlacement[]): Record<string, number> {
  const slots = nodes.map((node) => {
    const capacity = Math.floor(count(node.capacity));
    return { nodeId: node.nodeId, capacity, placed: Math.min(capacity, Math.floor(count(node.warm))) };
  });
  const wanted = Math.floor(count(desired));
  let placed = slots.reduce((sum, slot) => sum + slot.placed, 0);

  while (placed > wanted) {
    const from = best(
      slots.filter((slot) => slot.placed > 0),
      (a, b) => a.capacity - a.placed - (b.capacity - b.placed) || b.placed - a.placed,
    );
    from.placed -= 1;
    placed -= 1;
  }
  while (placed < wanted) {
    const into = slots.filter((slot) => slot.placed < slot.capacity);
    if (into.length === 0) break;
    best(into, (a, b) => b.capacity - b.placed - (a.capacity - a.placed)).placed += 1;
    placed += 1;
  }
  return Object.fromEntries(slots.map((slot) => [slot.nodeId, slot.placed]));
}

/** The first slot by `order`, ties broken by the lower node id so the result never depends on input order. */
function best<T extends { nodeId: string }>(slots: T[], order: (a: T, b: T) => number): T {
  return slots.reduce((winner, slot) => {
    const by = order(slot, winner);
    return by < 0 || (by === 0 && slot.nodeId < winner.nodeId) ? slot : winner;
  });
}
