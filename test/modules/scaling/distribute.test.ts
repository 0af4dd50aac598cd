import { distribute, type NodePlacement } from '../../../modules/scaling';

const node = (nodeId: string, capacity: number, warm: number): NodePlacement => ({ nodeId, capacity, warm });

describe('distribute', () => {
  it('keeps every instance where it is when the total does not change', () => {
    expect(distribute(5, [node('a', 4, 3), node('b', 10, 0), node('c', 4, 2)])).toEqual({ a: 3, b: 0, c: 2 });
  });

  it('adds to the nodes with the most free room, never past capacity', () => {
    expect(distribute(6, [node('a', 4, 2), node('b', 10, 1), node('c', 3, 0)])).toEqual({ a: 2, b: 4, c: 0 });
    // b fills until its free room matches c's, then the nodes take turns, the lower id first.
    expect(distribute(14, [node('a', 4, 2), node('b', 10, 1), node('c', 3, 0)])).toEqual({ a: 3, b: 9, c: 2 });
    expect(distribute(100, [node('a', 4, 2), node('b', 10, 1), node('c', 3, 0)])).toEqual({ a: 4, b: 10, c: 3 });
  });

  it('removes from the most crowded nodes first and keeps the rest', () => {
    expect(distribute(3, [node('a', 2, 2), node('b', 10, 3)])).toEqual({ a: 0, b: 3 });
    expect(distribute(4, [node('a', 4, 4), node('b', 4, 4)])).toEqual({ a: 2, b: 2 });
    expect(distribute(0, [node('a', 4, 4), node('b', 4, 1)])).toEqual({ a: 0, b: 0 });
  });

  it('drops instances beyond a node capacity and places them elsewhere', () => {
    expect(distribute(5, [node('a', 2, 5), node('b', 8, 0)])).toEqual({ a: 2, b: 3 });
  });

  it('does not depend on the order of the nodes', () => {
    const nodes = [node('a', 5, 1), node('b', 5, 1), node('c', 5, 1)];
    const once = distribute(7, nodes);
    expect(distribute(7, [...nodes].reverse())).toEqual(once);
    expect(Object.values(once).reduce((sum, n) => sum + n, 0)).toBe(7);
    expect(once).toEqual({ a: 3, b: 2, c: 2 });
  });

  it('treats bad numbers as 0 and handles no nodes', () => {
    expect(distribute(3, [])).toEqual({});
    expect(distribute(Number.NaN, [node('a', 4, 2)])).toEqual({ a: 0 });
    expect(distribute(3, [node('a', Number.NaN, 2), node('b', 2.9, -1)])).toEqual({ a: 0, b: 2 });
  });
});
