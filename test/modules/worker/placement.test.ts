import { sharedQueue, warmFirst, type NodeSnapshot } from '../../../modules/worker/placement';

const node = (nodeId: string, capacity: number, instances: NodeSnapshot['instances'] = {}): NodeSnapshot => ({ nodeId, taskQueue: `q@${nodeId}`, capacity, instances });
const request = (extra: Partial<{ exclude: string[]; recent: Record<string, number> }> = {}) => ({ functionName: 'f', version: 2, exclude: [], recent: {}, ...extra });

describe('warm-first placement', () => {
  it('prefers the node with the most idle warm instances of the version', () => {
    const nodes = [node('a', 10, { 'f@2': { warm: 2, busy: 2 } }), node('b', 10, { 'f@2': { warm: 3, busy: 1 } }), node('c', 10, { 'f@1': { warm: 5, busy: 0 } })];
    expect(warmFirst.place(request(), nodes)).toBe('b');
  });

  it('counts its own recent placements against idle instances, then falls back to the least-loaded node', () => {
    const nodes = [node('a', 4, { 'f@2': { warm: 1, busy: 0 }, 'g@1': { warm: 2, busy: 2 } }), node('b', 4, { 'h@1': { warm: 1, busy: 1 } })];
    expect(warmFirst.place(request(), nodes)).toBe('a');
    // a's one idle instance was just taken by this process: b has the lower load (1/4 against 3/4).
    expect(warmFirst.place(request({ recent: { a: 1 } }), nodes)).toBe('b');
    expect(warmFirst.place(request({ recent: { a: 1, b: 3 } }), nodes)).toBe('a');
  });

  it('never places on an excluded node, and answers the shared queue when no node is left', () => {
    const nodes = [node('a', 4, { 'f@2': { warm: 4, busy: 0 } }), node('b', 4)];
    expect(warmFirst.place(request({ exclude: ['a'] }), nodes)).toBe('b');
    expect(warmFirst.place(request({ exclude: ['a', 'b'] }), nodes)).toBeUndefined();
    expect(warmFirst.place(request(), [])).toBeUndefined();
  });

  it('breaks ties by node id, so the choice is stable', () => {
    expect(warmFirst.place(request(), [node('b', 4), node('a', 4)])).toBe('a');
  });
});

describe('shared-queue placement', () => {
  it('always answers the shared queue', () => {
    expect(sharedQueue.place(request(), [node('a', 4, { 'f@2': { warm: 1, busy: 0 } })])).toBeUndefined();
  });
});
