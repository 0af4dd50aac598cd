import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import semver from 'semver';
import { ConflictError, InputError, NotFoundError, PyFaaSError } from '../../common/errors';
import type { InstallModuleInput, InstallProgress } from '../../contracts/modules';
import * as moduleErrors from '../errors';
import type { MetaStore } from '../meta/store';
import { MODULE_KINDS, type ModuleKind, type ModuleManifest } from '../model';
import { ModuleNotFoundError, type ModuleRegistry, type ModuleSource } from '../registry';
import type { InstalledModuleRecord } from './entities';
import type { InstalledModules } from './installed';
import { ModuleNotAllowedError } from './installer';
import { readModuleUsers, type ModuleUsers } from './module-users';

/** The status each install failure code answers with: the coded errors' own, else 500. */
const STATUS_OF_CODE = new Map<string, number>(
  ([...Object.values(moduleErrors), ModuleNotAllowedError] as unknown as Array<new (message: string) => PyFaaSError>)
    .filter((cls) => cls.prototype instanceof PyFaaSError)
    .map((cls) => {
      const sample = new cls('');
      return [sample.code, sample.status] as const;
    })
    // Codes with no class here: the wait for every process (a failure type only) and the archive checks' own.
    .concat([['MODULE_NOT_EVERYWHERE', 503], ['LIMIT_EXCEEDED', 413], ['INVALID_INPUT', 400]]),
);

/** An install that failed: its step's code and status, and the installation id to read it again. */
export class ModuleInstallFailedError extends PyFaaSError {
  readonly status: number;
  constructor(
    readonly code: string,
    message: string,
    details?: Record<string, unknown>,
  ) {
    super(message, details);
    this.status = STATUS_OF_CODE.get(code) ?? 500;
  }
}

export class InstallationNotFoundError extends NotFoundError {
  override readonly code: string = 'INSTALLATION_NOT_FOUND';
}

export interface ModuleView {
  kind: ModuleKind;
  id: string;
  version: string;
  description: string;
  platform: string;
  source: 'built-in' | 'hub';
  package?: string;
  integrity?: string;
  signerKeyId?: string | null;
  installedBy?: string;
  installedAt?: string;
  dependencies: Record<string, string>;
  configSchema?: Record<string, unknown>;
  usedBy: string[];
}

export interface InstallationView extends InstallProgress {
  installationId: string;
}

/** Another install of the same package is still running: one at a time per package. */
export class ModuleInstallRunningError extends ConflictError {
  override readonly code: string = 'MODULE_INSTALL_RUNNING';
}

const PACKAGE = /^(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]{0,213}$/;

export interface ModuleServiceDeps {
  client: Client;
  taskQueue: string;
  registry: ModuleRegistry;
  installed: InstalledModules;
  store: MetaStore;
}

/**
 * The admin side of the Module Hub: the modules this platform serves (built-in and installed),
 * installs through the `installModule` workflow (awaited unless `wait` is false), uninstalls
 * refused while something uses the module.
 */
export class ModuleService {
  constructor(private readonly deps: ModuleServiceDeps) {}

  async list(): Promise<ModuleView[]> {
    const [installed, users] = await Promise.all([this.deps.installed.list(), readModuleUsers(this.deps.store)]);
    const records = new Map(installed.map((r) => [`${r.kind}/${r.id}`, r]));
    const views = this.deps.registry.list().map(({ manifest, source }) => this.view(manifest, source, users, records.get(`${manifest.kind}/${manifest.id}`)));
    return views.sort((a, b) => (a.kind === b.kind ? a.id.localeCompare(b.id) : a.kind.localeCompare(b.kind)));
  }

  /** Throws NotFoundError (MODULE_NOT_FOUND) for a kind/id this process does not serve. */
  async get(kind: string, id: string): Promise<ModuleView> {
    const found = MODULE_KINDS.includes(kind as ModuleKind) ? this.deps.registry.find(kind as ModuleKind, id) : undefined;
    if (!found) throw new ModuleNotFoundError(`No ${kind} module ${JSON.stringify(id)} is installed.`);
    const [record, users] = await Promise.all([this.deps.installed.get(kind, id), readModuleUsers(this.deps.store)]);
    return this.view(found.manifest, found.source, users, record);
  }

  async install(body: { package: string; version: string }, requestedBy: string, wait: boolean): Promise<InstallationView> {
    if (!PACKAGE.test(body.package)) throw new InputError(`${JSON.stringify(body.package)} is not an npm package name.`, { issues: [{ path: 'package', message: 'must be an npm package name' }] });
    if (!semver.valid(body.version)) throw new InputError(`${JSON.stringify(body.version)} is not an exact version; install names one version (an upgrade or a rollback is an install of that version).`, { issues: [{ path: 'version', message: 'must be an exact semantic version' }] });
    // One install per package at a time (the workflow id is the package's): two versions racing would each wait for the other.
    const installationId = `install-module-${body.package.replace('/', '+')}`;
    const input: InstallModuleInput = { package: body.package, version: body.version, requestedBy };
    let handle;
    try {
      handle = await this.deps.client.workflow.start('installModule', { taskQueue: this.deps.taskQueue, workflowId: installationId, args: [input] });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) throw new ModuleInstallRunningError(`An install of ${body.package} is running (${installationId}); wait for it to end.`, { installationId });
      throw err;
    }
    const base = { installationId, package: body.package, version: body.version };
    if (!wait) return { ...base, status: 'running', steps: [] };
    try {
      return { ...base, ...(await handle.result()) };
    } catch (err) {
      if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure) {
        throw new ModuleInstallFailedError(err.cause.type ?? 'MODULE_INSTALL_FAILED', err.cause.message, { ...(err.cause.details?.[0] as Record<string, unknown> | undefined), installationId });
      }
      throw err;
    }
  }

  /** The package's latest install: its progress or outcome; throws InstallationNotFoundError. */
  async installation(installationId: string): Promise<InstallationView> {
    if (!/^install-module-.+$/.test(installationId)) throw new InstallationNotFoundError(`No installation ${installationId}.`);
    try {
      const progress = await this.deps.client.workflow.getHandle(installationId).query<InstallProgress>('installProgress');
      return { installationId, ...progress };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new InstallationNotFoundError(`No installation ${installationId}.`);
      throw err;
    }
  }

  /**
   * Uninstalls a hub module on every process. Throws ModuleBuiltInError for a built-in and
   * ModuleInUseError (409, `details.users`) while functions, triggers or policies use it.
   */
  async uninstall(kind: string, id: string): Promise<ModuleView> {
    const view = await this.get(kind, id);
    if (view.source === 'built-in') throw new moduleErrors.ModuleBuiltInError(`Module ${kind}/${id} is built in; it cannot be uninstalled.`);
    if (view.usedBy.length > 0) {
      throw new moduleErrors.ModuleInUseError(`Module ${kind}/${id} is in use by ${view.usedBy.join(', ')}; move them to another module first.`, { users: view.usedBy });
    }
    await this.deps.installed.remove(kind, id);
    return view;
  }

  private view(manifest: ModuleManifest, source: ModuleSource, users: ModuleUsers, record?: InstalledModuleRecord): ModuleView {
    return {
      kind: manifest.kind,
      id: manifest.id,
      version: manifest.version,
      description: manifest.description,
      platform: manifest.platform,
      source: source.type,
      ...(source.type === 'hub' ? { package: source.package, integrity: source.integrity } : {}),
      ...(record ? { signerKeyId: record.signerKeyId, installedBy: record.installedBy, installedAt: new Date(record.installedAt).toISOString() } : {}),
      dependencies: manifest.dependencies ?? {},
      ...(manifest.configSchema ? { configSchema: manifest.configSchema } : {}),
      usedBy: users.usersOf(manifest.kind, manifest.id),
    };
  }
}
