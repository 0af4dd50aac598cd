import type { Logger } from '../../../common/logger';
import type { Trigger } from '../contract';
import type { HttpTriggerConfig } from './config';
import { RouteTable } from './route-table';

export interface RouteCacheDeps {
  /** Reads every HTTP trigger (the meta store). */
  load: () => Promise<Array<Trigger<HttpTriggerConfig>>>;
  /** How long a table is used before it is read again; another API process may have changed triggers. */
  maxAgeMs: number;
  logger: Logger;
  now?: () => number;
}

/**
 * The route table, read from the meta store at most once per `maxAgeMs` (and at once after
 * `invalidate`, which this process calls on every trigger change), so a request costs no query
 * while the table is fresh. Concurrent requests share one read. When a read fails and an
 * older table exists, the older one keeps serving until the next attempt `maxAgeMs` later.
 */
export class RouteCache {
  private table?: RouteTable;
  private loadedAt = Number.NEGATIVE_INFINITY;
  /** Bumped by `invalidate`: a read that started before a change does not count as fresh. */
  private generation = 0;
  private loadedGeneration = -1;
  private loading?: { generation: number; table: Promise<RouteTable> };

  constructor(private readonly deps: RouteCacheDeps) {}

  invalidate(): void {
    this.generation++;
  }

  /** The current table; throws what `load` throws when there is no older table to fall back on. */
  async current(): Promise<RouteTable> {
    if (this.table && this.loadedGeneration === this.generation && this.now() - this.loadedAt < this.deps.maxAgeMs) return this.table;
    if (this.loading?.generation !== this.generation) {
      const loading = { generation: this.generation, table: this.reload(this.generation) };
      this.loading = loading;
      void loading.table.finally(() => {
        if (this.loading === loading) this.loading = undefined;
      }).catch(() => undefined);
    }
    return this.loading.table;
  }

  private async reload(generation: number): Promise<RouteTable> {
    const startedAt = this.now();
    try {
      const table = new RouteTable(await this.deps.load());
      this.keep(table, generation, startedAt);
      return table;
    } catch (err) {
      if (!this.table) throw err;
      this.deps.logger.warn({ err }, 'could not read the HTTP triggers; serving the routes read before');
      this.keep(this.table, generation, startedAt);
      return this.table;
    }
  }

  /** A read that started before a later one finished must not replace the later one's table. */
  private keep(table: RouteTable, generation: number, startedAt: number): void {
    if (generation < this.loadedGeneration || (generation === this.loadedGeneration && startedAt < this.loadedAt)) return;
    this.table = table;
    this.loadedGeneration = generation;
    this.loadedAt = startedAt;
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }
}
