import { pickVersion } from '../../../modules/task/alias-pick';

describe('pickVersion', () => {
  it('maps every ticket to exactly one version, in proportion to the weights', () => {
    const counts = new Map<number, number>();
    for (let ticket = 0; ticket < 100; ticket++) {
      const version = pickVersion([{ version: 3, weight: 70 }, { version: 4, weight: 30 }], () => ticket);
      counts.set(version, (counts.get(version) ?? 0) + 1);
    }
    expect(Object.fromEntries(counts)).toEqual({ 3: 70, 4: 30 });
  });

  it('draws with crypto randomness within statistical tolerance over 100,000 picks', () => {
    const routes = [{ version: 1, weight: 90 }, { version: 2, weight: 10 }];
    let second = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) if (pickVersion(routes) === 2) second += 1;
    // sd of the share is sqrt(0.1 * 0.9 / n) ≈ 0.095 points; allow 5 sd.
    expect(Math.abs(second / n - 0.1)).toBeLessThan(0.005);
  });

  it('always picks a single route and never a route of weight 0', () => {
    for (let i = 0; i < 1000; i++) {
      expect(pickVersion([{ version: 7, weight: 100 }])).toBe(7);
      expect(pickVersion([{ version: 1, weight: 0 }, { version: 2, weight: 100 }])).toBe(2);
    }
  });

  it('throws when no route has weight', () => {
    expect(() => pickVersion([{ version: 1, weight: 0 }])).toThrow(/at least one route/);
    expect(() => pickVersion([])).toThrow(/at least one route/);
  });
});
