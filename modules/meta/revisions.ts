import { EntitySchema, raw } from '@mikro-orm/core';
import type { Logger } from '../../common/logger';
import type { MetaStore } from './store';

/** A counter per topic (`auth`, …) that every change to that topic's data bumps. */
export interface RevisionRecord {
  topic: string;
  revision: number;
  updatedAt: Date;
}

// No runtime import from ./entities: entities.ts lists this schema in ALL_ENTITIES.
export const RevisionSchema = new EntitySchema<RevisionRecord>({
  name: 'RevisionRecord',
  tableName: 'revisions',
  properties: {
    topic: { type: 'string', primary: true, length: 64 },
    revision: { type: 'integer' },
    updatedAt: { type: 'datetime' },
  },
});

/**
 * `auth`: tokens and the auth policy; `functions`: functions, versions and aliases;
 * `modules`: the modules installed from the hub; `policies`: every other policy.
 */
export type Topic = 'auth' | 'functions' | 'modules' | 'policies';

/**
 * How a change made on one process reaches every other process sharing the meta store: the
 * writer bumps its topic's revision; every process polls the (tiny) revisions table every
 * `intervalMs` and calls the topic's listeners when its revision moved. Listeners in the
 * writing process are called at once. One query per interval per process, whatever the
 * number of topics: nothing of this runs on a request path.
 */
export class ChangeFeed {
  private readonly seen = new Map<string, number>();
  private readonly listeners = new Map<string, Array<() => void>>();
  private timer?: NodeJS.Timeout;
  private polling = false;

  constructor(
    private readonly store: MetaStore,
    private readonly logger: Logger,
    private readonly intervalMs = 200,
  ) {}

  /** Reads the current revisions, then polls until `close`. */
  async start(): Promise<void> {
    for (const row of await this.read()) this.seen.set(row.topic, row.revision);
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
    this.timer.unref();
  }

  on(topic: Topic, listener: () => void): () => void {
    const list = this.listeners.get(topic) ?? [];
    list.push(listener);
    this.listeners.set(topic, list);
    return () => this.listeners.set(topic, (this.listeners.get(topic) ?? []).filter((l) => l !== listener));
  }

  /**
   * Records a change of `topic` for every process, and tells this process's listeners now
   * (also when recording it failed: this process at least must not keep what it changed).
   */
  async bump(topic: Topic): Promise<void> {
    try {
      const em = this.store.em();
      await em.createQueryBuilder(RevisionSchema).insert({ topic, revision: 0, updatedAt: new Date() }).onConflict('topic').ignore().execute();
      await em.nativeUpdate(RevisionSchema, { topic }, { revision: raw('revision + 1'), updatedAt: new Date() });
      const row = await this.store.em().findOne(RevisionSchema, { topic });
      if (row) this.seen.set(topic, row.revision);
    } finally {
      this.notify(topic);
    }
  }

  close(): void {
    clearInterval(this.timer);
  }

  private async read(): Promise<RevisionRecord[]> {
    return this.store.em().find(RevisionSchema, {});
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      for (const row of await this.read()) {
        if (this.seen.get(row.topic) === row.revision) continue;
        this.seen.set(row.topic, row.revision);
        this.notify(row.topic);
      }
    } catch (err) {
      this.logger.warn({ err }, 'could not read change revisions; will retry');
    } finally {
      this.polling = false;
    }
  }

  private notify(topic: string): void {
    for (const listener of this.listeners.get(topic) ?? []) {
      try {
        listener();
      } catch (err) {
        this.logger.error({ err, topic }, 'change listener failed');
      }
    }
  }
}

/**
 * Runs a write and announces it on `topic` (also when it failed: part of it may have been
 * written before). A lost announcement only delays other processes: their caches of the
 * topic read again after a while anyway.
 */
export async function announced<T>(changes: ChangeFeed | undefined, topic: Topic, change: () => Promise<T>): Promise<T> {
  try {
    return await change();
  } finally {
    await changes?.bump(topic).catch(() => undefined);
  }
}
