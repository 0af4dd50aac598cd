import semver from 'semver';
import { NotFoundError } from '../common/errors';
import { ModuleDependencyError, ModuleError, ModuleIdClashError } from './errors';
import { moduleKit } from './kit';
import { validateManifest, type ModuleContext, type ModuleKind, type ModuleManifest, type PyFaaSModule } from './model';

/** Where a registered module came from: shipped with PyFaaS, or installed from the hub. */
export type ModuleSource = { type: 'built-in' } | { type: 'hub'; package: string; integrity: string };

export interface RegisteredModule {
  manifest: ModuleManifest;
  source: ModuleSource;
}

/**
 * Modules keyed by kind and id. Registration validates each manifest; `validate()` checks
 * dependencies once everything is registered (boot fails fast); instances are built once,
 * on first use. Hub modules come and go while the process runs (`install`, `uninstall`):
 * callers look modules up at the moment they use one, so a swap takes effect on the next use.
 */
export class ModuleRegistry {
  private readonly modules = new Map<string, { module: PyFaaSModule; source: ModuleSource }>();
  private readonly instances = new Map<string, unknown>();
  private readonly context: ModuleContext;

  constructor(context: Omit<ModuleContext, 'kit'>) {
    this.context = { ...context, kit: moduleKit };
  }

  register(module: PyFaaSModule, source: ModuleSource = { type: 'built-in' }): this {
    validateManifest(module.manifest);
    const key = keyOf(module.manifest.kind, module.manifest.id);
    if (this.modules.has(key)) throw new ModuleError(`Module ${key} is registered twice.`);
    this.modules.set(key, { module, source });
    return this;
  }

  /** Throws ModuleDependencyError naming the first module whose dependency is missing or of the wrong version. */
  validate(): this {
    for (const { module } of this.modules.values()) this.checkDependencies(module.manifest);
    return this;
  }

  checkDependencies(manifest: ModuleManifest): void {
    const key = keyOf(manifest.kind, manifest.id);
    for (const [dependency, range] of Object.entries(manifest.dependencies ?? {})) {
      const found = this.modules.get(dependency);
      if (!found) throw new ModuleDependencyError(`Module ${key} needs ${dependency} ${range}, which is not installed.`, { dependency, range });
      if (!semver.satisfies(found.module.manifest.version, range)) {
        throw new ModuleDependencyError(`Module ${key} needs ${dependency} ${range}, but ${found.module.manifest.version} is installed.`, { dependency, range });
      }
    }
  }

  /**
   * Throws ModuleIdClashError when `kind/id` already belongs to a built-in or to another
   * package: a hub package may only replace (upgrade, roll back) its own module.
   */
  checkClash(manifest: ModuleManifest, packageName: string): void {
    const found = this.modules.get(keyOf(manifest.kind, manifest.id));
    if (!found) return;
    const owner = found.source.type === 'built-in' ? 'a built-in module' : `package ${found.source.package}`;
    if (found.source.type === 'built-in' || found.source.package !== packageName) {
      throw new ModuleIdClashError(`Module ${manifest.kind}/${manifest.id} already belongs to ${owner}; package ${packageName} cannot take its id.`);
    }
  }

  /** Adds a hub module, or replaces the one of the same kind and id; its instance is built on next use. */
  install(module: PyFaaSModule, source: ModuleSource & { type: 'hub' }): void {
    validateManifest(module.manifest);
    const key = keyOf(module.manifest.kind, module.manifest.id);
    this.modules.set(key, { module, source });
    this.instances.delete(key);
  }

  uninstall(kind: ModuleKind, id: string): void {
    const key = keyOf(kind, id);
    this.modules.delete(key);
    this.instances.delete(key);
  }

  has(kind: ModuleKind, id: string): boolean {
    return this.modules.has(keyOf(kind, id));
  }

  ids(kind: ModuleKind): string[] {
    return [...this.modules.values()].filter(({ module }) => module.manifest.kind === kind).map(({ module }) => module.manifest.id);
  }

  manifests(): ModuleManifest[] {
    return [...this.modules.values()].map(({ module }) => module.manifest);
  }

  list(): RegisteredModule[] {
    return [...this.modules.values()].map(({ module, source }) => ({ manifest: module.manifest, source }));
  }

  find(kind: ModuleKind, id: string): RegisteredModule | undefined {
    const found = this.modules.get(keyOf(kind, id));
    return found && { manifest: found.module.manifest, source: found.source };
  }

  /** The module's instance; throws NotFoundError (code MODULE_NOT_FOUND) for an unknown id. */
  get<T>(kind: ModuleKind, id: string): T {
    const key = keyOf(kind, id);
    if (!this.instances.has(key)) {
      const found = this.modules.get(key);
      if (!found) throw new ModuleNotFoundError(`No ${kind} module ${JSON.stringify(id)}; registered: ${this.ids(kind).join(', ') || 'none'}.`);
      this.instances.set(key, found.module.create(this.context));
    }
    return this.instances.get(key) as T;
  }

  /** Builds an instance of a module that is not registered (an install's self-check). */
  build<T>(module: PyFaaSModule): T {
    return module.create(this.context) as T;
  }
}

export class ModuleNotFoundError extends NotFoundError {
  override readonly code: string = 'MODULE_NOT_FOUND';
}

function keyOf(kind: ModuleKind, id: string): string {
  return `${kind}/${id}`;
}
