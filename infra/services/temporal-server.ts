import { mkdirSync } from 'node:fs';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import path from 'node:path';
import { ALL_SEARCH_ATTRIBUTE_KEYS } from '../../contracts/search-attributes';
import type { Logger } from '../../common/logger';
import type { TemporalConnectionOptions } from '../tls/temporal-connection';
import { ManagedProcess } from './managed-process';
import { temporalAnswers } from './probes';

/** Custom search attributes every PyFaaS workflow may carry (visible in the Temporal UI). */
export const SEARCH_ATTRIBUTES: Record<string, string> = Object.fromEntries(
  ALL_SEARCH_ATTRIBUTE_KEYS.map((key) => [key.name, key.type === 'KEYWORD' ? 'Keyword' : key.type]),
);

export interface TemporalServerOptions {
  binary: string;
  /** Holds the SQLite file, so history survives restarts. */
  stateDir: string;
  logDir: string;
  host: string;
  port: number;
  /** The Web UI port; undefined runs the server headless. */
  uiPort?: number;
  namespace: string;
  startTimeoutMs?: number;
}

/**
 * Dynamic config both Temporal modes run with (the dev server as `--dynamic-config-value`,
 * the real server in its dynamic config file).
 *
 * `history.transferProcessorMaxPollRPS`: the dev server runs one history shard, so per-shard
 * limits cap the whole server. The transfer queue (workflow and activity tasks on their way to
 * matching) is read at most this many times a second per shard (default 20: temporalio/temporal
 * common/dynamicconfig/constants.go, service/history/queues/reader.go): every step of every
 * workflow waited for the next of 20 reads a second, ~50 ms. Measured with `npm run bench`
 * (one run each, same machine): warm sync p50 28 ms → 20.5 ms (bare workflow 50.8 → 26.2 ms),
 * 32 concurrent clients 56 → 54 calls/s. Raising the timer and visibility readers as well
 * made it worse (p50 26–30 ms, 37–43 calls/s, Temporal CPU 16 → 24–27 ms a call: the
 * readers poll SQLite that much more often), so they keep their defaults.
 *
 * The frontend limits: the dev server's defaults are tuned for one user clicking around; raise
 * them so benchmarks and bursts are not throttled by the server's own rate limits.
 */
export const TUNED_DYNAMIC_CONFIG: Readonly<Record<string, number | boolean>> = {
  'system.enableActivityEagerExecution': true,
  'frontend.namespaceRPS': 10000,
  'frontend.rps': 10000,
  'history.transferProcessorMaxPollRPS': 10000,
};

export function temporalServerArgs(options: TemporalServerOptions): string[] {
  const args = [
    'server', 'start-dev',
    '--db-filename', path.join(options.stateDir, 'temporal.sqlite'),
    '--ip', options.host,
    '--port', String(options.port),
    '--log-level', 'warn',
    // WAL with synchronous=NORMAL survives a crash of the server process (only an OS crash
    // can lose the last transactions) and spares an fsync per write: with the default
    // FULL, every workflow step waits on the disk (~100 ms per workflow here).
    '--sqlite-pragma', 'journal_mode=wal',
    '--sqlite-pragma', 'synchronous=normal',
    ...Object.entries(TUNED_DYNAMIC_CONFIG).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${value}`]),
  ];
  // `default` always exists; naming it again is refused.
  if (options.namespace !== 'default') args.push('--namespace', options.namespace);
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type}`);
  if (options.uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort));
  return args;
}

/** Starts `temporal server start-dev` and waits until its frontend answers. */
export async function startTemporalServer(options: TemporalServerOptions, logger: Logger): Promise<ManagedProcess> {
  mkdirSync(options.stateDir, { recursive: true });
  const service = ManagedProcess.start(
    { name: 'temporal', command: options.binary, args: temporalServerArgs(options), logFile: path.join(options.logDir, 'temporal.log') },
    logger,
  );
  await service.waitUntilHealthy(() => temporalAnswers(`${options.host}:${options.port}`), options.startTimeoutMs ?? 60_000);
  try {
    await registerSearchAttributes({ address: `${options.host}:${options.port}` }, options.namespace);
  } catch (err) {
    await service.stop();
    throw err;
  }
  return service;
}

/**
 * Adds whichever of PyFaaS's search attributes the namespace lacks. The dev server's
 * `--search-attribute` registers them only when it creates its database, so a database kept
 * from an older PyFaaS lacks the newer ones; the real server starts with none. Returns the names added.
 */
export async function registerSearchAttributes(target: TemporalConnectionOptions, namespace: string): Promise<string[]> {
  const connection = await Connection.connect(target);
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = Object.keys(SEARCH_ATTRIBUTES).filter((name) => !(name in (customAttributes ?? {})));
    if (missing.length === 0) return [];
    const searchAttributes = Object.fromEntries(missing.map((name) => [name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]));
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
    return missing;
  } finally {
    await connection.close();
  }
}
