import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../api';
import type { RouteSpec } from '../api/route';
import type { RouteGuard } from '../api/router';
import { silentLogger } from '../common/logger';
import { PERMISSIONS } from '../modules/auth/permissions';

/**
 * The auth benchmark's baseline: the same route table (same invoker, same eager start, same
 * process) behind a guard that checks nothing and lets every caller in as an admin. Only a
 * benchmark builds it; nothing in the platform can.
 */
export async function serveWithoutAuth(routes: RouteSpec[], bodyLimitBytes: number): Promise<{ url: string; close(): Promise<void> }> {
  const everyone = { id: 'bench:no-auth', name: 'no auth', via: 'none', role: 'admin' as const, permissions: new Set(PERMISSIONS) };
  const guard: RouteGuard = { authenticate: async () => everyone, admit: () => undefined, labelsOf: async () => undefined, audit: async () => undefined };
  const server = createServer(createApp({ logger: silentLogger(), routes, guard, bodyLimitBytes }).callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
