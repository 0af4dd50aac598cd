import type { AliasRecord, AliasService } from './aliases';
import type { FunctionRecord, FunctionVersionRecord } from './entities';
import type { FunctionService } from './functions';
import type { ChangeFeed } from './revisions';

/** Past this many entries the cache starts over (a process invoking that many functions reads again). */
const MAX_ENTRIES = 10_000;
/** A backstop: an entry is read again after this long even if a change announcement was lost. */
const MAX_AGE_MS = 30_000;

/**
 * What the invoke hot path reads of functions, versions and aliases, cached per process:
 * a warm invocation reads nothing from the meta store. Every write of a function, version or
 * alias bumps the `functions` topic of the change feed; this process drops the whole cache
 * at once when it made the write, and within the feed's poll interval (200 ms) when another
 * process did (and after MAX_AGE_MS whatever happened). What it returns is shared: callers
 * must not change it.
 */
export class FunctionReads {
  private entries = new Map<string, { loading: Promise<unknown>; at: number }>();

  constructor(
    private readonly functions: FunctionService,
    private readonly aliases: AliasService,
    changes: ChangeFeed,
  ) {
    changes.on('functions', () => (this.entries = new Map()));
  }

  /** Throws FunctionNotFoundError (a function being deleted is not found). */
  get(name: string): Promise<FunctionRecord> {
    return this.read(`f:${name}`, () => this.functions.get(name));
  }

  /** Throws VersionNotFoundError. */
  getVersion(name: string, number: number): Promise<FunctionVersionRecord> {
    return this.read(`v:${name}@${number}`, () => this.functions.getVersion(name, number));
  }

  /** Throws AliasNotFoundError. */
  alias(functionName: string, name: string): Promise<AliasRecord> {
    return this.read(`a:${functionName}/${name}`, () => this.aliases.find(functionName, name));
  }

  private read<T>(key: string, load: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const cached = this.entries.get(key);
    if (cached && now - cached.at < MAX_AGE_MS) return cached.loading as Promise<T>;
    if (this.entries.size >= MAX_ENTRIES) this.entries = new Map();
    const entries = this.entries;
    const entry = { loading: load(), at: now };
    entries.set(key, entry);
    // A failed read (not found, the store briefly down) is asked again next time.
    entry.loading.catch(() => entries.get(key) === entry && entries.delete(key));
    return entry.loading as Promise<T>;
  }
}
