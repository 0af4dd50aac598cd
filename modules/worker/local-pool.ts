import { randomBytes } from 'node:crypto';
import { AtCapacityError, ModuleError, UnavailableError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import type { ExecutionPool, FunctionVersionSpec, InvocationOutcome, InvocationRequest, PoolStats } from './contract';
import type { EventLimits } from './event-limits';
import { Instance, type ExecutableRuntime } from './instance';
import { removeOrphanedFunctionNetworks } from './network-slirp';
import { childrenByParent } from './process-tree';

export interface LocalPoolOptions {
  /** The runtime module for an id (e.g. `python3`), or undefined when none is registered. */
  runtimes: (id: string) => ExecutableRuntime | undefined;
  logger: Logger;
  /** An instance idle this long is stopped. Default 10 minutes. */
  idleTimeoutMs?: number;
  /** How often idle instances are looked for. Default: a tenth of idleTimeoutMs, at most 30 s. */
  reapIntervalMs?: number;
  /** How long loading a handler may take. Default 30 s. */
  startTimeoutMs?: number;
  /** Most processes, threads included, one instance may run at once (where cgroups allow). Default 64. */
  maxPids?: number;
  /** Deepest and largest event an instance is sent (beyond: LimitExceededError). Default DEFAULT_EVENT_LIMITS. */
  eventLimits?: EventLimits;
  /** `rlimit` skips cgroups even where they work (to run or test the fallback). Default `auto`. */
  limits?: 'auto' | 'rlimit';
}

/** How long evict waits for running invocations when the caller does not say. */
const DEFAULT_DRAIN_MS = 30_000;

const versionKey = (functionName: string, version: number) => `${functionName}@${version}`;

/**
 * Warm sandboxed instances on this machine, per function version. An invocation takes an
 * idle instance or starts one; past a function's maxConcurrency it is refused at once
 * (AtCapacityError) so that excess work waits in Temporal, not in this process's memory.
 */
export class LocalPool implements ExecutionPool {
  private readonly instances = new Map<string, Instance[]>();
  /** Invocations running or starting their instance, per function name (all versions). */
  private readonly inFlight = new Map<string, number>();
  /** Instances just started for one invocation: no other invocation may take them first. */
  private readonly claimed = new Set<Instance>();
  /** Warm instances to keep per version key (the scaler's decision for this node). */
  private readonly targets = new Map<string, number>();
  private readonly counters = new Map<string, { invocations: number; coldStarts: number }>();
  private readonly idleTimeoutMs: number;
  private readonly reaper: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: LocalPoolOptions) {
    this.idleTimeoutMs = options.idleTimeoutMs ?? 10 * 60_000;
    const reapEvery = options.reapIntervalMs ?? Math.min(30_000, Math.max(100, Math.floor(this.idleTimeoutMs / 10)));
    this.reaper = setInterval(() => this.reapIdle(), reapEvery);
    this.reaper.unref();
    void removeOrphanedFunctionNetworks(options.logger);
  }

  async invokeWarm(spec: FunctionVersionSpec, request: InvocationRequest, signal?: AbortSignal): Promise<InvocationOutcome | undefined> {
    if (this.closed || (this.inFlight.get(spec.functionName) ?? 0) >= spec.maxConcurrency) return undefined;
    if (!this.idleInstance(spec)) return undefined;
    return this.invoke(spec, request, signal);
  }

  async invoke(spec: FunctionVersionSpec, request: InvocationRequest, signal?: AbortSignal): Promise<InvocationOutcome> {
    this.assertOpen();
    const running = this.inFlight.get(spec.functionName) ?? 0;
    if (running >= spec.maxConcurrency) {
      throw new AtCapacityError(`${spec.functionName} already runs ${running} invocation(s), its maxConcurrency on this node; retry later.`, {
        functionName: spec.functionName,
        maxConcurrency: spec.maxConcurrency,
      });
    }
    // Counted before the first await, so concurrent cold starts count against the cap too.
    this.inFlight.set(spec.functionName, running + 1);
    try {
      let instance = this.idleInstance(spec);
      const coldStart = instance === undefined;
      this.count(spec, coldStart);
      if (!instance) {
        instance = await this.startInstance(spec, true);
        this.claimed.delete(instance);
      }
      const outcome = await instance.invoke(request, spec.timeoutMs, signal);
      return coldStart ? { ...outcome, coldStart } : outcome;
    } finally {
      const left = (this.inFlight.get(spec.functionName) ?? 1) - 1;
      if (left > 0) this.inFlight.set(spec.functionName, left);
      else this.inFlight.delete(spec.functionName);
    }
  }

  private idleInstance(spec: FunctionVersionSpec): Instance | undefined {
    return this.list(spec).find((candidate) => candidate.state === 'idle' && !this.claimed.has(candidate));
  }

  async warm(spec: FunctionVersionSpec): Promise<void> {
    this.assertOpen();
    await this.startInstance(spec);
  }

  async setWarm(spec: FunctionVersionSpec, count: number): Promise<{ started: number; stopped: number }> {
    this.assertOpen();
    const key = versionKey(spec.functionName, spec.version);
    if (count > 0) this.targets.set(key, count);
    else this.targets.delete(key);
    // Instances being killed are still listed until they are gone: they do not count.
    const alive = this.list(spec).filter((instance) => instance.state !== 'dead');
    const missing = Math.max(0, count - alive.length);
    // The least recently used idle ones go first, as the reaper keeps the most recently used.
    const extra = alive
      .filter((instance) => instance.state === 'idle' && !this.claimed.has(instance))
      .sort((a, b) => a.lastUsedAt - b.lastUsedAt)
      .slice(0, Math.max(0, alive.length - count));
    await Promise.all([
      ...Array.from({ length: missing }, () => this.startInstance(spec)),
      ...extra.map((instance) => instance.kill()),
    ]);
    if (missing || extra.length) this.options.logger.info({ function: spec.functionName, version: spec.version, count, started: missing, stopped: extra.length }, 'warm instances set');
    return { started: missing, stopped: extra.length };
  }

  async evict(functionName: string, version?: number, drainMs = DEFAULT_DRAIN_MS): Promise<void> {
    const keys = [...this.instances.keys()].filter((key) =>
      version === undefined ? key.startsWith(`${functionName}@`) : key === versionKey(functionName, version),
    );
    keys.forEach((key) => this.targets.delete(key));
    const evicted = keys.flatMap((key) => this.instances.get(key) ?? []);
    // Forgotten first: invocations arriving meanwhile start fresh instances (of a new deploy).
    keys.forEach((key) => this.instances.delete(key));
    let drainTimer: NodeJS.Timeout | undefined;
    const drainOver = new Promise<void>((resolve) => (drainTimer = setTimeout(resolve, drainMs)));
    await Promise.race([Promise.all(evicted.map((instance) => instance.whenIdle())), drainOver]);
    clearTimeout(drainTimer);
    await Promise.all(evicted.map((instance) => instance.kill()));
    this.options.logger.info({ function: functionName, version, instances: evicted.length }, 'evicted instances');
  }

  stats(): PoolStats {
    const children = childrenByParent(); // one /proc scan for all instances
    const instances = [...this.instances.values()].flat().map((instance) => ({
      functionName: instance.spec.functionName,
      version: instance.spec.version,
      instanceId: instance.id,
      busy: instance.state === 'busy',
      pid: instance.pid,
      rssBytes: instance.rssBytes(children),
    }));
    return { instances, counters: Object.fromEntries(this.counters), targets: Object.fromEntries(this.targets) };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.reaper);
    const all = [...this.instances.values()].flat();
    this.instances.clear();
    await Promise.all(all.map((instance) => instance.kill()));
  }

  private assertOpen(): void {
    if (this.closed) throw new UnavailableError('The execution pool is closed.');
  }

  private list(spec: FunctionVersionSpec): Instance[] {
    const key = versionKey(spec.functionName, spec.version);
    let list = this.instances.get(key);
    if (!list) {
      list = [];
      this.instances.set(key, list);
    }
    return list;
  }

  /**
   * Starts an instance and keeps it listed until it dies; throws what Instance.start throws.
   * A `claim`ed instance stays reserved for the caller, who must unclaim it.
   */
  private async startInstance(spec: FunctionVersionSpec, claim = false): Promise<Instance> {
    const runtime = this.options.runtimes(spec.runtime);
    if (!runtime) throw new ModuleError(`No runtime module "${spec.runtime}" is registered (function ${spec.functionName} v${spec.version}).`);
    const instance = new Instance({
      id: `${spec.functionName.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40)}-${spec.version}-${randomBytes(4).toString('hex')}`,
      spec,
      runtime,
      logger: this.options.logger,
      startTimeoutMs: this.options.startTimeoutMs,
      maxPids: this.options.maxPids,
      eventLimits: this.options.eventLimits,
      limits: this.options.limits,
    });
    const list = this.list(spec);
    list.push(instance);
    if (claim) this.claimed.add(instance);
    // A dead instance leaves the list as soon as it is gone; the next invoke replaces it.
    void instance.closed.then(() => {
      this.claimed.delete(instance);
      const index = list.indexOf(instance);
      if (index >= 0) list.splice(index, 1);
      if (list.length === 0 && this.instances.get(versionKey(spec.functionName, spec.version)) === list) {
        this.instances.delete(versionKey(spec.functionName, spec.version));
      }
    });
    await instance.start();
    // close() may have run while this one was starting: it must not outlive the pool.
    if (this.closed) {
      await instance.kill();
      throw new UnavailableError('The execution pool closed while an instance was starting.');
    }
    return instance;
  }

  private count(spec: FunctionVersionSpec, coldStart: boolean): void {
    const key = versionKey(spec.functionName, spec.version);
    const counter = this.counters.get(key) ?? { invocations: 0, coldStarts: 0 };
    counter.invocations += 1;
    if (coldStart) counter.coldStarts += 1;
    this.counters.set(key, counter);
  }

  /** Stops instances idle past the timeout, keeping each version's scaler target. */
  private reapIdle(): void {
    const cutoff = Date.now() - this.idleTimeoutMs;
    for (const [key, list] of this.instances) {
      let keep = this.targets.get(key) ?? 0;
      for (const instance of list.filter((i) => i.state !== 'dead').sort((a, b) => b.lastUsedAt - a.lastUsedAt)) {
        if (keep > 0) {
          keep -= 1;
          continue;
        }
        if (instance.state === 'idle' && instance.lastUsedAt < cutoff) {
          this.options.logger.debug({ instanceId: instance.id }, 'stopping an idle instance');
          void instance.kill();
        }
      }
    }
  }
}
