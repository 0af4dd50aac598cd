import type { RouteGuard } from '../../api/router';

/** A guard for unit tests of public routes: nobody is authenticated, nothing is limited or audited. */
export function anonymousGuard(): RouteGuard {
  return {
    authenticate: async () => undefined,
    admit: () => undefined,
    labelsOf: async () => undefined,
    audit: async () => undefined,
  };
}
