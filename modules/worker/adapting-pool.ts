import { InputError, NotFoundError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import type { ModuleRegistry } from '../registry';
import { validateModuleConfig } from '../config-schema';
import { isWorkerAdapter, type ExecutorSetting, type WorkerAdapter } from './adapter';
import { PolicyViolationError } from '../meta/policy-kinds/errors';
import type { ExecutionPool, FunctionVersionSpec, InvocationOutcome, InvocationRequest, InvocationStatus, PoolStats } from './contract';

/** A function names a worker adapter that is not registered here (or a module that is not one). */
export class UnknownWorkerAdapterError extends InputError {
  override readonly code: string = 'UNKNOWN_WORKER_ADAPTER';
}

/**
 * A version's adapter was uninstalled after it was deployed: its attempts cannot run until the
 * module is installed again (or the function moves to another executor). Not retried.
 */
export class WorkerAdapterMissingError extends NotFoundError {
  override readonly code: string = 'WORKER_ADAPTER_MISSING';
}

/** The registered worker adapter `id`, or undefined (absent, or a worker module that is not an adapter, like local-pool). */
export function findWorkerAdapter(registry: ModuleRegistry, id: string): WorkerAdapter | undefined {
  if (!registry.has('worker', id)) return undefined;
  const candidate = registry.get<unknown>('worker', id);
  return isWorkerAdapter(candidate) ? candidate : undefined;
}

/**
 * Checks a function's `executor` at create/update. Throws UnknownWorkerAdapterError naming the
 * adapters there are, the adapter's own InputError for bad options, then the InputError of its
 * manifest's configSchema (under `executor.options`).
 */
export function validateExecutor(registry: ModuleRegistry, setting: ExecutorSetting, allowedEndpoints: readonly string[] | null = null): void {
  const adapter = findWorkerAdapter(registry, setting.module);
  if (!adapter) {
    const adapters = registry.ids('worker').filter((id) => findWorkerAdapter(registry, id));
    throw new UnknownWorkerAdapterError(`Unknown worker adapter ${JSON.stringify(setting.module)}; installed: ${adapters.join(', ') || 'none'}.`);
  }
  const options = adapter.parseOptions(setting.options);
  checkExecutorEndpoints(adapter, options, allowedEndpoints);
  // After the adapter's parser (its messages are the better ones): the manifest's configSchema is a second guard.
  const manifest = registry.find('worker', setting.module)?.manifest;
  if (manifest) validateModuleConfig(manifest, setting.options, 'executor.options');
}

/**
 * Throws PolicyViolationError (400) when the function policy lists the origins adapters may
 * call (`limits.executorEndpoints`) and one the adapter would call for these options is not
 * on it, or the adapter cannot say which it calls. null: any origin.
 */
export function checkExecutorEndpoints(adapter: WorkerAdapter, options: Record<string, unknown>, allowed: readonly string[] | null): void {
  if (allowed === null) return;
  const policy = 'function.limits.executorEndpoints';
  if (typeof adapter.endpoints !== 'function') {
    throw new PolicyViolationError(`Worker adapter ${JSON.stringify(adapter.id)} does not say which endpoints it calls, and the function policy limits them.`, { field: 'executor', policy, limit: allowed });
  }
  for (const endpoint of adapter.endpoints(options)) {
    let origin: string | undefined;
    try {
      origin = new URL(endpoint).origin;
    } catch {
      origin = undefined;
    }
    if (!origin || !allowed.includes(origin)) {
      throw new PolicyViolationError(`executor: ${JSON.stringify(endpoint)} is not an endpoint the function policy allows (${policy}: ${allowed.join(', ') || 'none'}).`, { field: 'executor.options', policy, limit: allowed, value: endpoint });
    }
  }
}

const STATUSES = new Set<InvocationStatus>(['succeeded', 'failed', 'timed_out', 'crashed']);

/**
 * The execution pool the worker uses: a version whose spec names an `executor` runs its
 * attempts through that worker adapter, everything else goes to the local sandbox pool. The
 * adapter is looked up on every call, so an install, upgrade or uninstall takes effect on the
 * next attempt. Adapted versions keep no warm instances here: `invokeWarm` runs them at once
 * (the fast path then runs them inside the workflow task), `warm` and `setWarm` do nothing.
 */
export class AdaptingPool implements ExecutionPool {
  constructor(
    private readonly local: ExecutionPool,
    private readonly registry: ModuleRegistry,
    private readonly logger: Logger,
    /** The function policy's `limits.executorEndpoints`, checked again on every attempt (it may have changed since the version was made). */
    private readonly allowedEndpoints: () => Promise<readonly string[] | null> = async () => null,
  ) {}

  invoke(spec: FunctionVersionSpec, request: InvocationRequest, signal?: AbortSignal): Promise<InvocationOutcome> {
    return spec.executor ? this.runAdapted(spec, spec.executor, request, signal) : this.local.invoke(spec, request, signal);
  }

  invokeWarm(spec: FunctionVersionSpec, request: InvocationRequest, signal?: AbortSignal): Promise<InvocationOutcome | undefined> {
    return spec.executor ? this.runAdapted(spec, spec.executor, request, signal) : this.local.invokeWarm(spec, request, signal);
  }

  async warm(spec: FunctionVersionSpec): Promise<void> {
    if (!spec.executor) await this.local.warm(spec);
  }

  async setWarm(spec: FunctionVersionSpec, count: number): Promise<{ started: number; stopped: number }> {
    return spec.executor ? { started: 0, stopped: 0 } : this.local.setWarm(spec, count);
  }

  evict(functionName: string, version?: number, drainMs?: number): Promise<void> {
    return this.local.evict(functionName, version, drainMs);
  }

  stats(): PoolStats {
    return this.local.stats();
  }

  close(): Promise<void> {
    return this.local.close();
  }

  /**
   * Throws WorkerAdapterMissingError when the module is gone, the adapter's InputError when the
   * frozen options no longer parse (an upgrade changed them), and whatever the adapter throws
   * for trouble reaching the other side (UnavailableError: retried).
   */
  private async runAdapted(spec: FunctionVersionSpec, executor: ExecutorSetting, request: InvocationRequest, signal?: AbortSignal): Promise<InvocationOutcome> {
    const adapter = findWorkerAdapter(this.registry, executor.module);
    if (!adapter) {
      throw new WorkerAdapterMissingError(
        `Version ${spec.version} of ${spec.functionName} runs on worker adapter ${JSON.stringify(executor.module)}, which is not installed; install it again or change the function's executor.`,
      );
    }
    const options = adapter.parseOptions(executor.options);
    checkExecutorEndpoints(adapter, options, await this.allowedEndpoints());
    const started = Date.now();
    const outcome = await adapter.run(spec, request, options, signal);
    this.logger.debug({ invocationId: request.invocationId, adapter: adapter.id, status: outcome?.status }, 'adapted attempt done');
    return normalised(outcome, adapter.id, Date.now() - started);
  }
}

/** An adapter is trusted code, but the workflow must get an outcome of the contract's shape whatever it returned. */
function normalised(outcome: InvocationOutcome, adapterId: string, elapsedMs: number): InvocationOutcome {
  if (!outcome || !STATUSES.has(outcome.status)) {
    return {
      status: 'crashed', error: { type: 'WorkerAdapterError', message: `Worker adapter ${adapterId} returned no valid outcome.` },
      logs: { stdout: '', stderr: '', truncated: false }, coldStart: false, durationMs: elapsedMs, instanceId: adapterId,
    };
  }
  const logs = outcome.logs ?? { stdout: '', stderr: '', truncated: false };
  return {
    ...outcome,
    logs: { stdout: String(logs.stdout ?? ''), stderr: String(logs.stderr ?? ''), truncated: Boolean(logs.truncated) },
    coldStart: Boolean(outcome.coldStart),
    durationMs: typeof outcome.durationMs === 'number' && Number.isFinite(outcome.durationMs) ? outcome.durationMs : elapsedMs,
    instanceId: typeof outcome.instanceId === 'string' ? outcome.instanceId : adapterId,
  };
}
