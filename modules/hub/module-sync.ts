import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Logger } from '../../common/logger';
import type { ModuleKind } from '../model';
import { loadModulePackage } from '../package';
import type { ModuleRegistry } from '../registry';
import type { ChangeFeed } from '../meta/revisions';
import type { InstalledModuleRecord } from './entities';
import { fetchModule, type HubReader } from './fetch';
import type { InstalledModules } from './installed';

/** How often a process says it is alive and what it serves (an install waits for live processes). */
const REPORT_INTERVAL_MS = 5000;

export interface ModuleSyncDeps {
  registry: ModuleRegistry;
  installed: InstalledModules;
  changes: ChangeFeed;
  hub: HubReader;
  dataDir: string;
  roles: string;
  logger: Logger;
}

/**
 * Keeps this process's registry equal to the installed-module records: at start (before the
 * process serves) and on every change of the `modules` topic, it loads what was installed or
 * upgraded (fetched from the hub when this host has no copy, its integrity checked against
 * the record) and drops what was uninstalled, then reports what it serves. A module that
 * fails to load here keeps the previous one serving and reports the reason, which fails the
 * install that is waiting for it.
 */
export class ModuleSync {
  readonly processId = `${process.pid}-${randomUUID().slice(0, 8)}`;
  private readonly loaded: Record<string, string> = {};
  private chain: Promise<void> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  private unsubscribe?: () => void;

  constructor(private readonly deps: ModuleSyncDeps) {}

  async start(): Promise<void> {
    this.unsubscribe = this.deps.changes.on('modules', () => void this.sync());
    await this.sync();
    this.timer = setInterval(() => void this.report(), REPORT_INTERVAL_MS);
    this.timer.unref();
  }

  /** Brings the registry in step; runs one at a time, each seeing the latest records. */
  sync(): Promise<void> {
    this.chain = this.chain.then(() => this.apply()).catch((err) => this.deps.logger.warn({ err }, 'could not read the installed modules; keeping the ones loaded'));
    return this.chain;
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    clearInterval(this.timer);
    await this.chain;
    await this.deps.installed.leave(this.processId).catch(() => undefined);
  }

  private async apply(): Promise<void> {
    const records = await this.deps.installed.list();
    const wanted = new Set(records.map((r) => `${r.kind}/${r.id}`));
    for (const record of records) await this.load(record);
    for (const registered of this.deps.registry.list()) {
      const key = `${registered.manifest.kind}/${registered.manifest.id}`;
      if (registered.source.type === 'hub' && !wanted.has(key)) {
        this.deps.registry.uninstall(registered.manifest.kind, registered.manifest.id);
        delete this.loaded[key];
        this.deps.logger.info({ module: key }, 'module uninstalled');
      }
    }
    for (const key of Object.keys(this.loaded)) if (!wanted.has(key)) delete this.loaded[key];
    await this.report();
  }

  private async load(record: InstalledModuleRecord): Promise<void> {
    const key = `${record.kind}/${record.id}`;
    const current = this.deps.registry.find(record.kind as ModuleKind, record.id);
    if (current?.source.type === 'hub' && current.source.package === record.package && current.source.integrity === record.integrity) {
      this.loaded[key] = record.version;
      return;
    }
    const startedAt = Date.now();
    try {
      const fetched = await fetchModule(this.deps.hub, path.join(this.deps.dataDir, 'modules'), { package: record.package, version: record.version, expectedIntegrity: record.integrity });
      const module = await loadModulePackage(fetched.dir);
      this.deps.registry.install(module, { type: 'hub', package: record.package, integrity: record.integrity });
      this.loaded[key] = record.version;
      this.deps.logger.info({ module: key, package: record.package, version: record.version, ms: Date.now() - startedAt }, 'module loaded');
    } catch (err) {
      this.loaded[key] = `!${record.version}: ${(err as Error).message}`;
      this.deps.logger.error({ err, module: key, package: record.package, version: record.version }, 'module failed to load; the previous one keeps serving');
    }
  }

  private async report(): Promise<void> {
    await this.deps.installed.report(this.processId, this.deps.roles, { ...this.loaded }).catch((err) => this.deps.logger.warn({ err }, 'could not report the loaded modules'));
  }
}
