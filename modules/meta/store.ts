import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { MikroORM } from '@mikro-orm/core';
import type { AbstractSqlDriver } from '@mikro-orm/knex';
import { BetterSqliteDriver } from '@mikro-orm/better-sqlite';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { InputError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { ALL_ENTITIES } from './entities';

export type MetaDialect = 'sqlite' | 'postgresql';

/**
 * The meta store: MikroORM over SQLite (embedded default) or PostgreSQL, one entity set
 * for both. The schema is brought up to date when the store opens.
 */
export class MetaStore {
  private constructor(
    readonly orm: MikroORM<AbstractSqlDriver>,
    readonly dialect: MetaDialect,
  ) {}

  /**
   * Opens the store named by `url` (`sqlite:<file>` or `postgres://…`) and updates its schema.
   * Throws InputError for an unknown scheme; connection errors propagate.
   */
  static async open(url: string, logger: Logger): Promise<MetaStore> {
    const common = { entities: ALL_ENTITIES, debug: false, logger: (msg: string) => logger.debug({ orm: true }, msg) };
    const dialect = dialectOf(url);
    const orm: MikroORM<AbstractSqlDriver> =
      dialect === 'sqlite'
        ? await MikroORM.init<BetterSqliteDriver>({ ...common, driver: BetterSqliteDriver, dbName: sqliteFile(url) })
        : await MikroORM.init<PostgreSqlDriver>({ ...common, driver: PostgreSqlDriver, clientUrl: url, pool: { min: 0, max: 10 } });
    try {
      if (dialect === 'postgresql') await orm.schema.ensureDatabase();
      await orm.schema.updateSchema({ safe: true });
    } catch (err) {
      await orm.close(true);
      throw err;
    }
    return new MetaStore(orm, dialect);
  }

  /** A fresh unit of work; every request or activity uses its own. */
  em() {
    return this.orm.em.fork();
  }

  /** Round-trips a trivial query; throws when the database does not answer. */
  async ping(): Promise<void> {
    await this.orm.em.getConnection().execute('select 1');
  }

  async close(): Promise<void> {
    await this.orm.close(true);
  }
}

function dialectOf(url: string): MetaDialect {
  if (url.startsWith('sqlite:')) return 'sqlite';
  if (/^postgres(ql)?:\/\//.test(url)) return 'postgresql';
  throw new InputError(`Unsupported database URL ${JSON.stringify(url)}: use sqlite:<path> or postgres://….`);
}

function sqliteFile(url: string): string {
  const file = url.slice('sqlite:'.length);
  if (!file) throw new InputError('The SQLite database URL names no file (expected sqlite:<path>).');
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  return file;
}
