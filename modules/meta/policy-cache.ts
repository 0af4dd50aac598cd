import type { Logger } from '../../common/logger';
import type { PolicyService, PolicyView } from './policies';
import type { ChangeFeed, Topic } from './revisions';

interface Entry {
  view: Promise<PolicyView<unknown>>;
  at: number;
}

interface Watch {
  listeners: Array<(value: unknown) => void>;
  revision: number;
  /** Applications of this kind run one after another, in the order the changes came. */
  queue: Promise<void>;
}

export interface PolicyCacheDeps {
  policies: PolicyService;
  changes: ChangeFeed;
  logger: Logger;
  /** The change topics of the kinds it serves (default `policies`: every kind but `auth`, which the auth gate reads itself). */
  topics?: Topic[];
  /** A read older than this is read again even without a change (a lost announcement only delays). Default 30 s. */
  maxAgeMs?: number;
}

/**
 * This process's view of the platform policies: one read of the meta store per kind, kept
 * until the change feed says a policy changed (on any process: within one poll), so request
 * paths (function create, trigger create) cost no query. `watch` is for what must be applied
 * rather than read (the log level): its listener gets the policy now and after each change.
 */
export class PolicyCache {
  private readonly entries = new Map<string, Entry>();
  private readonly watches = new Map<string, Watch>();
  private readonly unsubscribe: Array<() => void>;
  private readonly maxAgeMs: number;

  constructor(private readonly deps: PolicyCacheDeps) {
    this.maxAgeMs = deps.maxAgeMs ?? 30_000;
    this.unsubscribe = (deps.topics ?? ['policies']).map((topic) => deps.changes.on(topic, () => this.changed()));
  }

  /** The policy in force (defaults filled in); throws PolicyNotFoundError for a kind nobody registered. */
  async get<T>(kind: string): Promise<T> {
    return (await this.view<T>(kind)).value;
  }

  /** The policy in force with its revision (0 while the defaults apply). */
  view<T>(kind: string): Promise<PolicyView<T>> {
    const known = this.entries.get(kind);
    if (known && Date.now() - known.at < this.maxAgeMs) return known.view as Promise<PolicyView<T>>;
    const entry: Entry = { view: this.deps.policies.get(kind), at: Date.now() };
    this.entries.set(kind, entry);
    // A failed read is not kept: the next caller reads again.
    entry.view.catch(() => this.entries.get(kind) === entry && this.entries.delete(kind));
    return entry.view as Promise<PolicyView<T>>;
  }

  /**
   * Calls `listener` with the policy in force now, then after every change to it (once per
   * new revision); resolves when the first call is done and returns the way to stop. A
   * listener that throws is logged; the next change calls it again.
   */
  async watch<T>(kind: string, listener: (value: T) => void): Promise<() => void> {
    const watch = this.watches.get(kind) ?? { listeners: [], revision: -1, queue: Promise.resolve() };
    this.watches.set(kind, watch);
    const call = listener as (value: unknown) => void;
    watch.listeners.push(call);
    const view = await this.view<T>(kind);
    watch.revision = view.revision;
    this.call(kind, call, view.value);
    return () => {
      watch.listeners = watch.listeners.filter((l) => l !== call);
    };
  }

  close(): void {
    for (const stop of this.unsubscribe) stop();
    this.watches.clear();
  }

  private changed(): void {
    this.entries.clear();
    for (const [kind, watch] of this.watches) {
      watch.queue = watch.queue.then(async () => {
        const view = await this.view(kind);
        if (view.revision === watch.revision) return;
        watch.revision = view.revision;
        for (const listener of watch.listeners) this.call(kind, listener, view.value);
      }).catch((err) => this.deps.logger.error({ err, kind }, 'could not read a changed policy; keeping the one in force'));
    }
  }

  private call(kind: string, listener: (value: unknown) => void, value: unknown): void {
    try {
      listener(value);
    } catch (err) {
      this.deps.logger.error({ err, kind }, 'could not apply a policy');
    }
  }
}
