import { randomInt } from 'node:crypto';

/**
 * Draws one version from an alias's routes, each with probability weight/total. Throws
 * when no route has weight (the alias parser never stores such routes).
 */
export function pickVersion(routes: ReadonlyArray<{ version: number; weight: number }>, draw: (max: number) => number = randomInt): number {
  const total = routes.reduce((sum, route) => sum + route.weight, 0);
  if (total <= 0) throw new Error('An alias needs at least one route with weight above 0.');
  let ticket = draw(total);
  for (const route of routes) {
    if (ticket < route.weight) return route.version;
    ticket -= route.weight;
  }
  return routes[routes.length - 1].version;
}
