import { SetupError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { runCommand, tail } from '../command';
import { createDatabaseOnce } from './postgres-server';
import { TEMPORAL_DATABASES } from './temporal-server-config';

export interface TemporalSchemaOptions {
  sqlTool: string;
  postgres: { host: string; port: number; user: string };
}

/** The sql tool's embedded schema for each database (`schema/postgresql/v12/…` of the server release). */
const SCHEMA_NAMES: Record<string, string> = {
  [TEMPORAL_DATABASES.main]: 'postgresql/v12/temporal',
  [TEMPORAL_DATABASES.visibility]: 'postgresql/v12/visibility',
};

async function sqlTool(options: TemporalSchemaOptions, database: string, args: string[]): Promise<void> {
  const { host, port, user } = options.postgres;
  const all = ['--plugin', 'postgres12', '--endpoint', host, '--port', String(port), '--user', user, '--database', database, ...args];
  const { code, output } = await runCommand(options.sqlTool, all, { timeoutMs: 5 * 60_000 });
  if (code !== 0) throw new SetupError(`temporal-sql-tool ${args[0]} on database ${database} failed. Last lines:\n${tail(output)}`);
}

/**
 * Creates Temporal's two databases on the PostgreSQL server and brings both schemas to the
 * release's version, like the server's `make install-schema-postgresql12` but without its
 * `drop`: `setup-schema -v 0.0` only adds the version tables when absent and keeps a newer
 * version, `update-schema` applies only the versions not yet applied, so a restart on the same
 * databases leaves them as they are. Throws SetupError naming the step that failed.
 */
export async function ensureTemporalSchema(options: TemporalSchemaOptions, logger: Logger): Promise<void> {
  for (const [database, schemaName] of Object.entries(SCHEMA_NAMES)) {
    await createDatabaseOnce({ host: options.postgres.host, port: options.postgres.port, database });
    await sqlTool(options, database, ['setup-schema', '-v', '0.0']);
    await sqlTool(options, database, ['update-schema', '--schema-name', schemaName]);
    logger.info({ service: 'temporal', database, schemaName }, `temporal: schema of ${database} up to date`);
  }
}
