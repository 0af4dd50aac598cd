import { InputError, ModuleError, type PyFaaSError } from '../common/errors';
import type { Logger } from '../common/logger';
import { validateModuleConfig } from './config-schema';
import type { FunctionMetadata, MetadataChange, MetaCheck, MetaModuleFactory } from './meta/extension';
import type { ModuleRegistry } from './registry';
import type { TaskGuard, TaskModuleFactory, TaskRequest } from './task/extension';

/** One module named by the function policy's `metaChecks` or `taskChecks`, with its config. */
export interface ExtensionEntry {
  module: string;
  config: Record<string, unknown>;
}

export type ExtensionKind = 'meta' | 'task';

/**
 * The hook the invoker calls before it starts a workflow. The request is built only when the
 * policy names a task module (sizing the event costs a serialisation).
 */
export interface TaskAdmission {
  admit(request: () => TaskRequest): Promise<void>;
}

/** Admission by the function policy's `taskChecks` in force (a cached read: nothing is fetched per request). */
export function taskAdmission(extensions: PolicyExtensions, taskChecks: () => Promise<readonly ExtensionEntry[]>): TaskAdmission {
  return {
    async admit(request) {
      const entries = await taskChecks();
      if (entries.length > 0) await extensions.admit(entries, request());
    },
  };
}

/** A meta or task module failed other than by refusing (it threw a non-4xx, or it is gone from this process): the request is refused. */
export class ModuleFailedError extends ModuleError {
  override readonly code: string = 'MODULE_FAILED';
}

interface Built {
  factory: unknown;
  check: unknown;
}

function isRefusal(err: unknown): err is PyFaaSError {
  const { status, code } = (err ?? {}) as { status?: unknown; code?: unknown };
  return typeof status === 'number' && status >= 400 && status < 500 && typeof code === 'string';
}

/**
 * Runs the meta and task modules the function policy names. Each entry's check is built
 * once from its config and kept while the policy object and the installed module stay the
 * same (an upgrade of the module, or a new policy, builds it again). A module refuses by
 * throwing a 4xx kit error, which reaches the caller as is; anything else it throws fails
 * closed as MODULE_FAILED (500): a guard that cannot answer does not let requests through.
 */
export class PolicyExtensions {
  private readonly built = new WeakMap<ExtensionEntry, Built>();

  constructor(
    private readonly registry: ModuleRegistry,
    private readonly logger: Logger,
  ) {}

  /**
   * For a policy PUT: each entry names an installed module of the kind whose factory and
   * configSchema accept its config. Throws InputError listing every bad entry under `field`.
   */
  validate(kind: ExtensionKind, entries: readonly ExtensionEntry[], field: string): void {
    const issues: Array<{ path: string; message: string }> = [];
    entries.forEach((entry, i) => {
      const path = `${field}.${i}`;
      const registered = this.registry.find(kind, entry.module);
      if (!registered) {
        issues.push({ path: `${path}.module`, message: `no ${kind} module ${JSON.stringify(entry.module)} is installed (installed: ${this.registry.ids(kind).join(', ') || 'none'})` });
        return;
      }
      try {
        validateModuleConfig(registered.manifest, entry.config, `${path}.config`);
        const factory = this.registry.get<unknown>(kind, entry.module);
        if (typeof factory !== 'function') throw new InputError(`module ${kind}/${entry.module} is not a ${kind} module factory`);
        factory(entry.config);
      } catch (err) {
        const given = (err as InputError).details?.issues as Array<{ path: string; message: string }> | undefined;
        issues.push(...(given ?? [{ path: `${path}.config`, message: (err as Error)?.message ?? String(err) }]));
      }
    });
    if (issues.length > 0) throw new InputError(`Invalid ${field}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}.`, { issues });
  }

  /** Shows a create or update to every meta module in force; throws the first refusal. */
  async checkFunction(entries: readonly ExtensionEntry[], fn: FunctionMetadata, change: MetadataChange): Promise<void> {
    for (const entry of entries) {
      await this.run('meta', entry, (check: MetaCheck) => check.checkFunction(structuredClone(fn), change));
    }
  }

  /** Shows an invocation request to every task module in force; throws the first refusal. */
  async admit(entries: readonly ExtensionEntry[], request: TaskRequest): Promise<void> {
    for (const entry of entries) {
      await this.run('task', entry, (guard: TaskGuard) => guard.admit(request));
    }
  }

  private async run<T>(kind: ExtensionKind, entry: ExtensionEntry, call: (check: T) => void | Promise<void>): Promise<void> {
    const name = `${kind}/${entry.module}`;
    const failed = (err: unknown) => {
      this.logger.error({ err, module: name }, 'a policy module failed; the request is refused');
      return new ModuleFailedError(`Module ${name}, named by the function policy, failed: ${(err as Error)?.message ?? String(err)}. The request was refused.`, { module: name });
    };
    let check: T;
    try {
      check = this.checkOf<T>(kind, entry);
    } catch (err) {
      throw failed(err); // even its InputError: the policy's config was accepted when it was stored
    }
    try {
      await call(check);
    } catch (err) {
      throw isRefusal(err) ? err : failed(err);
    }
  }

  private checkOf<T>(kind: ExtensionKind, entry: ExtensionEntry): T {
    if (!this.registry.has(kind, entry.module)) throw new Error(`it is not installed on this process`);
    const factory = this.registry.get<MetaModuleFactory | TaskModuleFactory>(kind, entry.module);
    const known = this.built.get(entry);
    if (known && known.factory === factory) return known.check as T;
    const check = factory(entry.config);
    this.built.set(entry, { factory, check });
    return check as T;
  }
}
