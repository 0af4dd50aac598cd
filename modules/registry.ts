import semver from 'semver';
import { ModuleError, NotFoundError } from '../common/errors';
import { validateManifest, type ModuleContext, type ModuleKind, type ModuleManifest, type PyFaaSModule } from './model';

/**
 * Modules keyed by kind and id. Registration validates each manifest; `validate()` checks
 * dependencies once everything is registered (boot fails fast); instances are built once,
 * on first use.
 */
export class ModuleRegistry {
  private readonly modules = new Map<string, PyFaaSModule>();
  private readonly instances = new Map<string, unknown>();

  constructor(private readonly context: ModuleContext) {}

  register(module: PyFaaSModule): this {
    validateManifest(module.manifest);
    const key = keyOf(module.manifest.kind, module.manifest.id);
    if (this.modules.has(key)) throw new ModuleError(`Module ${key} is registered twice.`);
    this.modules.set(key, module);
    return this;
  }

  /** Throws ModuleError naming the first module whose dependency is missing or of the wrong version. */
  validate(): this {
    for (const [key, module] of this.modules) {
      for (const [dependency, range] of Object.entries(module.manifest.dependencies ?? {})) {
        const found = this.modules.get(dependency);
        if (!found) throw new ModuleError(`Module ${key} needs ${dependency} ${range}, which is not registered.`);
        if (!semver.satisfies(found.manifest.version, range)) {
          throw new ModuleError(`Module ${key} needs ${dependency} ${range}, but ${found.manifest.version} is registered.`);
        }
      }
    }
    return this;
  }

  has(kind: ModuleKind, id: string): boolean {
    return this.modules.has(keyOf(kind, id));
  }

  ids(kind: ModuleKind): string[] {
    return [...this.modules.values()].filter((m) => m.manifest.kind === kind).map((m) => m.manifest.id);
  }

  manifests(): ModuleManifest[] {
    return [...this.modules.values()].map((m) => m.manifest);
  }

  /** The module's instance; throws NotFoundError (code MODULE_NOT_FOUND) for an unknown id. */
  get<T>(kind: ModuleKind, id: string): T {
    const key = keyOf(kind, id);
    if (!this.instances.has(key)) {
      const module = this.modules.get(key);
      if (!module) throw new ModuleNotFoundError(`No ${kind} module ${JSON.stringify(id)}; registered: ${this.ids(kind).join(', ') || 'none'}.`);
      this.instances.set(key, module.create(this.context));
    }
    return this.instances.get(key) as T;
  }
}

export class ModuleNotFoundError extends NotFoundError {
  override readonly code: string = 'MODULE_NOT_FOUND';
}

function keyOf(kind: ModuleKind, id: string): string {
  return `${kind}/${id}`;
}
