import { EntitySchema } from '@mikro-orm/core';
import type { CheckedModule } from '../../contracts/modules';

/** One module installed from the hub: the checked module (which package version serves `kind/id` on every process), who installed it, when. */
export interface InstalledModuleRecord extends CheckedModule {
  installedBy: string;
  installedAt: Date;
}

export const InstalledModuleSchema = new EntitySchema<InstalledModuleRecord>({
  name: 'InstalledModuleRecord',
  tableName: 'installed_modules',
  properties: {
    kind: { type: 'string', primary: true, length: 32 },
    id: { type: 'string', primary: true, length: 63 },
    package: { type: 'string', length: 214 },
    version: { type: 'string', length: 64 },
    integrity: { type: 'string', length: 200 },
    signerKeyId: { type: 'string', length: 32, nullable: true },
    installedBy: { type: 'string', length: 300 },
    installedAt: { type: 'datetime' },
  },
});

/**
 * What one PyFaaS process has loaded: written when its module set changes and every few
 * seconds besides, so an install can wait until every live process serves the new module.
 */
export interface ModuleProcessRecord {
  processId: string;
  roles: string;
  host: string;
  /** `kind/id` → `version` loaded, or `!` + the reason it failed to load there. */
  loaded: Record<string, string>;
  heartbeatAt: Date;
}

export const ModuleProcessSchema = new EntitySchema<ModuleProcessRecord>({
  name: 'ModuleProcessRecord',
  tableName: 'module_processes',
  properties: {
    processId: { type: 'string', primary: true, length: 100 },
    roles: { type: 'string', length: 100 },
    host: { type: 'string', length: 255 },
    loaded: { type: 'json' },
    heartbeatAt: { type: 'datetime' },
  },
});
