import { chmodSync } from 'node:fs';
import path from 'node:path';
import { silentLogger } from '../../common/logger';
import { freePort } from '../../infra/ports';
import type { ManagedProcess } from '../../infra/services/managed-process';
import { startPostgresServer } from '../../infra/services/postgres-server';

/** A fresh PostgreSQL of the test's own, so the Temporal databases start from nothing. */
export async function startOwnPostgres(dir: string): Promise<{ postgres: ManagedProcess; port: number }> {
  chmodSync(dir, 0o755); // PostgreSQL runs as its own user and must reach its data dir
  const port = await freePort();
  const postgres = await startPostgresServer({ stateDir: path.join(dir, 'postgres'), logDir: dir, host: '127.0.0.1', port, database: 'postgres' }, silentLogger());
  return { postgres, port };
}

/** Polls until `check` passes (visibility lags a moment behind a workflow start). */
export async function eventually(check: () => Promise<void>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

