import os from 'node:os';
import type { ChangeFeed } from '../meta/revisions';
import type { MetaStore } from '../meta/store';
import { InstalledModuleSchema, ModuleProcessSchema, type InstalledModuleRecord, type ModuleProcessRecord } from './entities';

/** A process not heard from for this long no longer counts among those an install waits for. */
export const PROCESS_TTL_MS = 15_000;

/**
 * The installed-module records and the per-process load reports, in the meta store. A write
 * bumps the `modules` topic so every process reloads its set within a change-feed poll.
 */
export class InstalledModules {
  constructor(
    private readonly store: MetaStore,
    private readonly changes: ChangeFeed,
  ) {}

  list(): Promise<InstalledModuleRecord[]> {
    return this.store.em().find(InstalledModuleSchema, {}, { orderBy: { kind: 'asc', id: 'asc' } });
  }

  async get(kind: string, id: string): Promise<InstalledModuleRecord | undefined> {
    return (await this.store.em().findOne(InstalledModuleSchema, { kind, id })) ?? undefined;
  }

  /** Records `record` as the module serving its kind/id; answers the record it replaced. */
  async put(record: InstalledModuleRecord): Promise<InstalledModuleRecord | undefined> {
    const previous = await this.get(record.kind, record.id);
    await this.store.em().upsert(InstalledModuleSchema, record);
    await this.changes.bump('modules');
    return previous;
  }

  async remove(kind: string, id: string): Promise<void> {
    await this.store.em().nativeDelete(InstalledModuleSchema, { kind, id });
    await this.changes.bump('modules');
  }

  async report(processId: string, roles: string, loaded: Record<string, string>): Promise<void> {
    await this.store.em().upsert(ModuleProcessSchema, { processId, roles, host: os.hostname(), loaded, heartbeatAt: new Date() });
  }

  async leave(processId: string): Promise<void> {
    await this.store.em().nativeDelete(ModuleProcessSchema, { processId });
  }

  /** The processes heard from within PROCESS_TTL_MS. */
  async processes(): Promise<ModuleProcessRecord[]> {
    return this.store.em().find(ModuleProcessSchema, { heartbeatAt: { $gt: new Date(Date.now() - PROCESS_TTL_MS) } }, { orderBy: { processId: 'asc' } });
  }
}
