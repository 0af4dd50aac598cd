import { appendFileSync, chownSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SetupError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { runCommand, tail } from '../command';
import { findPostgresBinDir } from '../provision/debian-packages';
import { ManagedProcess } from './managed-process';
import { postgresAnswers } from './probes';

export interface PostgresServerOptions {
  /** The cluster's data directory (created with initdb when absent). */
  stateDir: string;
  logDir: string;
  host: string;
  port: number;
  database: string;
  /** Networks (CIDRs) whose clients are trusted besides loopback, e.g. a test cluster's bridge. */
  trustCidrs?: string[];
  startTimeoutMs?: number;
}

interface RunAs {
  uid?: number;
  gid?: number;
}

/** PostgreSQL refuses to run as root: a root caller runs it as the Debian `postgres` user. */
async function runAsIdentity(): Promise<RunAs> {
  if (process.getuid?.() !== 0) return {};
  const uid = await runCommand('id', ['-u', 'postgres']);
  const gid = await runCommand('id', ['-g', 'postgres']);
  if (uid.code !== 0 || gid.code !== 0) throw new SetupError('PostgreSQL cannot run as root and there is no `postgres` user; install the Debian postgresql package.');
  return { uid: Number(uid.output.trim()), gid: Number(gid.output.trim()) };
}

export function postgresUrl(options: Pick<PostgresServerOptions, 'host' | 'port' | 'database'>): string {
  return `postgres://postgres@${options.host}:${options.port}/${options.database}`;
}

async function initClusterOnce(bin: string, options: PostgresServerOptions, runAs: RunAs, logger: Logger): Promise<void> {
  if (existsSync(path.join(options.stateDir, 'PG_VERSION'))) return;
  // The parents first with the default mode: `recursive` would give them 0700 too, and the postgres user must pass through them.
  mkdirSync(path.dirname(options.stateDir), { recursive: true });
  mkdirSync(options.stateDir, { recursive: true, mode: 0o700 });
  if (runAs.uid !== undefined) chownSync(options.stateDir, runAs.uid, runAs.gid ?? runAs.uid);
  logger.info({ service: 'postgres', dir: options.stateDir }, 'postgres: creating the database cluster');
  // trust on loopback only: this cluster is a local development/test server.
  const { code, output } = await runCommand(
    path.join(bin, 'initdb'),
    ['-D', options.stateDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-sync'],
    { ...runAs, timeoutMs: 120_000 },
  );
  if (code !== 0) throw new SetupError(`initdb in ${options.stateDir} failed. Last lines:\n${tail(output)}`);
}

/** Adds a `trust` line to pg_hba.conf for each CIDR not yet listed (read at the server's start). */
function trustNetworks(stateDir: string, cidrs: string[]): void {
  const file = path.join(stateDir, 'pg_hba.conf');
  const current = readFileSync(file, 'utf8');
  for (const cidr of cidrs) if (!current.includes(` ${cidr} `)) appendFileSync(file, `host all all ${cidr} trust\n`);
}

/** Creates the database on the server unless it exists. */
export async function createDatabaseOnce(options: Pick<PostgresServerOptions, 'host' | 'port' | 'database'>): Promise<void> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: postgresUrl({ ...options, database: 'postgres' }) });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [options.database]);
    if (found.rowCount === 0) await client.query(`create database "${options.database.replace(/"/g, '')}"`);
  } finally {
    await client.end();
  }
}

/** Starts a PostgreSQL server on its own data dir and port, creating cluster and database if absent. */
export async function startPostgresServer(options: PostgresServerOptions, logger: Logger): Promise<ManagedProcess> {
  const bin = findPostgresBinDir();
  if (!bin) throw new SetupError('PostgreSQL is not installed: run `apt-get install postgresql`.');
  const runAs = await runAsIdentity();
  await initClusterOnce(bin, options, runAs, logger);
  if (options.trustCidrs) trustNetworks(options.stateDir, options.trustCidrs);
  const socketDir = path.join(options.stateDir, 'socket');
  mkdirSync(socketDir, { recursive: true });
  if (runAs.uid !== undefined) chownSync(socketDir, runAs.uid, runAs.gid ?? runAs.uid);
  const service = ManagedProcess.start(
    {
      name: 'postgres',
      command: path.join(bin, 'postgres'),
      args: ['-D', options.stateDir, '-p', String(options.port), '-h', options.host, '-k', socketDir, '-c', 'synchronous_commit=off', '-c', 'max_connections=200'],
      logFile: path.join(options.logDir, 'postgres.log'),
      ...runAs,
    },
    logger,
  );
  await service.waitUntilHealthy(() => postgresAnswers(postgresUrl({ ...options, database: 'postgres' })), options.startTimeoutMs ?? 60_000);
  await createDatabaseOnce(options);
  return service;
}
