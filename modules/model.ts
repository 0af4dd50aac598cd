import semver from 'semver';
import type { Logger } from '../common/logger';
import type { ModuleKit } from './kit';
import { ModuleKindUnknownError, ModuleManifestError, ModulePlatformError } from './errors';

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
  /**
   * The JSON Schema of the module's configuration: what a function, trigger or policy gives it
   * (a scaling module's params, a worker adapter's options, a trigger's config, an auth
   * module's options). The platform checks a value against it after the module's own parser
   * accepted it (the module's messages are the clearer ones; the schema is the second guard and
   * what GET /v1/modules shows).
   */
  configSchema?: Record<string, unknown>;
}

export interface ModuleContext {
  logger: Logger;
  dataDir: string;
  /** What the platform lends a module: its error classes and the libraries it shares (modules/kit). */
  kit: ModuleKit;
}

/** A module is declared, not discovered: its manifest plus one function that builds it. */
export interface PyFaaSModule<T = unknown> {
  manifest: ModuleManifest;
  create(context: ModuleContext): T;
}

const ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
const DEPENDENCY = /^[a-z]+\/[a-z0-9][a-z0-9-]{0,62}$/;

/** Checks one manifest on its own; throws a coded error (modules/errors.ts) with a sentence naming the module. */
export function validateManifest(manifest: ModuleManifest): void {
  const name = `Module ${manifest.kind}/${manifest.id}`;
  if (!MODULE_KINDS.includes(manifest.kind)) throw new ModuleKindUnknownError(`${name}: unknown kind ${JSON.stringify(manifest.kind)}; kinds are ${MODULE_KINDS.join(', ')}.`);
  if (typeof manifest.id !== 'string' || !ID.test(manifest.id)) throw new ModuleManifestError(`${name}: the id must be a lowercase DNS label.`);
  if (typeof manifest.version !== 'string' || !semver.valid(manifest.version)) throw new ModuleManifestError(`${name}: version ${JSON.stringify(manifest.version)} is not a semantic version.`);
  if (typeof manifest.platform !== 'string' || !semver.validRange(manifest.platform)) throw new ModuleManifestError(`${name}: platform range ${JSON.stringify(manifest.platform)} is not a semver range.`);
  if (!semver.satisfies(PLATFORM_VERSION, manifest.platform)) {
    throw new ModulePlatformError(`${name} ${manifest.version} supports PyFaaS ${manifest.platform}, but this is PyFaaS ${PLATFORM_VERSION}.`);
  }
  for (const [dependency, range] of Object.entries(manifest.dependencies ?? {})) {
    if (!DEPENDENCY.test(dependency)) throw new ModuleManifestError(`${name}: dependency ${JSON.stringify(dependency)} is not of the form kind/id.`);
    if (typeof range !== 'string' || !semver.validRange(range)) throw new ModuleManifestError(`${name}: dependency ${dependency} has an invalid range ${JSON.stringify(range)}.`);
  }
  if (manifest.configSchema !== undefined && (typeof manifest.configSchema !== 'object' || manifest.configSchema === null || Array.isArray(manifest.configSchema))) {
    throw new ModuleManifestError(`${name}: configSchema must be a JSON Schema object.`);
  }
}
