import semver from 'semver';
import { ModuleError } from '../common/errors';
import type { Logger } from '../common/logger';

/** PyFaaS's own version, against which each module's `platform` range is checked. */
export const PLATFORM_VERSION = '0.1.0';

/**
 * The kinds of module (DESIGN §1). Scaling and worker modules may replace the default
 * logic; meta, trigger, runtime, auth and task modules extend and configure it.
 */
export const MODULE_KINDS = ['runtime', 'worker', 'trigger', 'scaling', 'auth', 'task', 'meta'] as const;
export type ModuleKind = (typeof MODULE_KINDS)[number];

export interface ModuleManifest {
  /** Unique within its kind: a lowercase DNS label, e.g. `python3`. */
  id: string;
  kind: ModuleKind;
  /** The module's own semantic version. */
  version: string;
  description: string;
  /** The PyFaaS versions it works with, as a semver range (e.g. `^0.1.0`). */
  platform: string;
  /** Other modules it needs, `kind/id` → semver range. */
  dependencies?: Record<string, string>;
}

export interface ModuleContext {
  logger: Logger;
  dataDir: string;
}

/** A module is declared, not discovered: its manifest plus one function that builds it. */
export interface PyFaaSModule<T = unknown> {
  manifest: ModuleManifest;
  create(context: ModuleContext): T;
}

const ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function defineModule<T>(manifest: ModuleManifest, create: (context: ModuleContext) => T): PyFaaSModule<T> {
  return { manifest: Object.freeze({ ...manifest }), create };
}

/** Checks one manifest on its own; throws ModuleError with a sentence naming the module. */
export function validateManifest(manifest: ModuleManifest): void {
  const name = `Module ${manifest.kind}/${manifest.id}`;
  if (!ID.test(manifest.id)) throw new ModuleError(`${name}: the id must be a lowercase DNS label.`);
  if (!MODULE_KINDS.includes(manifest.kind)) throw new ModuleError(`${name}: unknown kind; kinds are ${MODULE_KINDS.join(', ')}.`);
  if (!semver.valid(manifest.version)) throw new ModuleError(`${name}: version ${JSON.stringify(manifest.version)} is not a semantic version.`);
  if (!semver.validRange(manifest.platform)) throw new ModuleError(`${name}: platform range ${JSON.stringify(manifest.platform)} is not a semver range.`);
  if (!semver.satisfies(PLATFORM_VERSION, manifest.platform)) {
    throw new ModuleError(`${name} ${manifest.version} supports PyFaaS ${manifest.platform}, but this is PyFaaS ${PLATFORM_VERSION}.`);
  }
  for (const [dependency, range] of Object.entries(manifest.dependencies ?? {})) {
    if (!semver.validRange(range)) throw new ModuleError(`${name}: dependency ${dependency} has an invalid range ${JSON.stringify(range)}.`);
  }
}
