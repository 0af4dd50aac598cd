import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { ConflictError, NotFoundError } from '../../common/errors';
import { FunctionSchema, FunctionVersionSchema, type FunctionRecord, type FunctionVersionRecord, type VersionConfig } from './entities';
import type { CreateFunctionInput, UpdateFunctionInput } from './function-input';
import type { MetaStore } from './store';
import { AliasSchema } from './aliases';
import { FunctionLogLineSchema } from './function-log-entity';
import { announced, type ChangeFeed } from './revisions';

export class FunctionNotFoundError extends NotFoundError {
  override readonly code: string = 'FUNCTION_NOT_FOUND';
}

export class VersionNotFoundError extends NotFoundError {
  override readonly code: string = 'VERSION_NOT_FOUND';
}

export interface ListFunctionsQuery {
  /** Every label given must match. */
  labels?: Record<string, string>;
  limit: number;
  /** The last name of the previous page. */
  after?: string;
}

export interface FunctionPage {
  items: FunctionRecord[];
  /** Pass as `after` for the next page; absent on the last page. */
  next?: string;
}

type NewCode = { codeHash: string };

const VERSIONED_FIELDS = ['runtime', 'handler', 'env', 'memoryMb', 'timeoutMs', 'allowNetwork', 'executor'] as const;

/** The executor is left out when unset, so versions made before it existed compare equal. */
export function versionConfigOf(fn: Pick<FunctionRecord, (typeof VERSIONED_FIELDS)[number]>): VersionConfig {
  return {
    runtime: fn.runtime, handler: fn.handler, env: fn.env, memoryMb: fn.memoryMb, timeoutMs: fn.timeoutMs, allowNetwork: fn.allowNetwork,
    ...(fn.executor ? { executor: fn.executor } : {}),
  };
}

/**
 * Functions and their immutable versions in the meta store. Every write is one
 * transaction, so a failure leaves no half-written record, and is announced on the change
 * feed's `functions` topic (what FunctionReads caches goes stale).
 */
export class FunctionService {
  constructor(
    private readonly store: MetaStore,
    private readonly changes?: ChangeFeed,
  ) {}

  private write<T>(change: () => Promise<T>): Promise<T> {
    return announced(this.changes, 'functions', change);
  }

  /** Creates the function and its version 1 (pending). Throws ConflictError when the name is taken. */
  async create(input: CreateFunctionInput, code: NewCode): Promise<{ fn: FunctionRecord; version: FunctionVersionRecord }> {
    try {
      return await this.write(() => this.store.em().transactional(async (em) => {
        const now = new Date();
        const fn = em.create(FunctionSchema, {
          id: randomUUID(), name: input.name, runtime: input.runtime, handler: input.handler, description: input.description,
          labels: input.labels, env: input.env, memoryMb: input.memoryMb, timeoutMs: input.timeoutMs,
          maxConcurrency: input.maxConcurrency, allowNetwork: input.allowNetwork, retry: input.retry, destinations: input.destinations, scaling: input.scaling,
          executor: input.executor ?? null, status: 'active',
          createdAt: now, updatedAt: now,
        });
        const version = em.create(FunctionVersionSchema, {
          id: randomUUID(), functionName: input.name, number: 1, codeHash: code.codeHash, status: 'pending',
          config: versionConfigOf(fn), createdAt: now,
        });
        return { fn, version };
      }));
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) throw new ConflictError(`A function named ${JSON.stringify(input.name)} already exists.`);
      throw err;
    }
  }

  /** Throws FunctionNotFoundError. A function being deleted is not found unless `includeDeleting`. */
  async get(name: string, includeDeleting = false): Promise<FunctionRecord> {
    const fn = await this.store.em().findOne(FunctionSchema, { name });
    if (!fn || (fn.status === 'deleting' && !includeDeleting)) throw new FunctionNotFoundError(`No function named ${JSON.stringify(name)}.`);
    return fn;
  }

  async list(query: ListFunctionsQuery): Promise<FunctionPage> {
    const wanted = Object.entries(query.labels ?? {});
    const items: FunctionRecord[] = [];
    let after = query.after;
    // Labels live in a JSON column whose operators differ between SQLite and PostgreSQL:
    // filter in memory, reading pages in name order until the page is full.
    for (;;) {
      const batch = await this.store.em().find(
        FunctionSchema,
        { status: 'active', ...(after ? { name: { $gt: after } } : {}) },
        { orderBy: { name: 'asc' }, limit: Math.max(query.limit, 100) },
      );
      for (const fn of batch) {
        after = fn.name;
        if (wanted.every(([key, value]) => fn.labels[key] === value)) items.push(fn);
        if (items.length === query.limit) break;
      }
      if (items.length === query.limit || batch.length < Math.max(query.limit, 100)) break;
    }
    const last = items[items.length - 1];
    const more = items.length === query.limit && (await this.store.em().count(FunctionSchema, { status: 'active', name: { $gt: last.name } })) > 0;
    return { items, next: more ? last.name : undefined };
  }

  /**
   * Applies an update. When code or anything a version freezes changes, a new pending
   * version is made (returned); labels, description, concurrency and retry change in place.
   */
  async update(name: string, patch: Omit<UpdateFunctionInput, 'code'>, code?: NewCode): Promise<{ fn: FunctionRecord; version?: FunctionVersionRecord }> {
    return this.write(() => this.store.em().transactional(async (em) => {
      const fn = await em.findOne(FunctionSchema, { name, status: 'active' });
      if (!fn) throw new FunctionNotFoundError(`No function named ${JSON.stringify(name)}.`);
      const before = JSON.stringify(versionConfigOf(fn));
      em.assign(fn, { ...patch, updatedAt: new Date() });
      const configChanged = JSON.stringify(versionConfigOf(fn)) !== before;
      if (!code && !configChanged) return { fn };
      const latest = await em.findOne(FunctionVersionSchema, { functionName: name }, { orderBy: { number: 'desc' } });
      // Config alone changed: the new version runs the active version's code.
      const active = fn.activeVersion == null ? null : await em.findOne(FunctionVersionSchema, { functionName: name, number: fn.activeVersion });
      const codeHash = code?.codeHash ?? active?.codeHash ?? latest?.codeHash;
      if (!codeHash) throw new ConflictError(`Function ${JSON.stringify(name)} has no code yet; send code with the update.`);
      const version = em.create(FunctionVersionSchema, {
        id: randomUUID(), functionName: name, number: (latest?.number ?? 0) + 1, codeHash, status: 'pending',
        config: versionConfigOf(fn), createdAt: new Date(),
      });
      return { fn, version };
    }));
  }

  /** Throws VersionNotFoundError. */
  async getVersion(name: string, number: number): Promise<FunctionVersionRecord> {
    const version = await this.store.em().findOne(FunctionVersionSchema, { functionName: name, number });
    if (!version) throw new VersionNotFoundError(`Function ${JSON.stringify(name)} has no version ${number}.`);
    return version;
  }

  async listVersions(name: string): Promise<FunctionVersionRecord[]> {
    return this.store.em().find(FunctionVersionSchema, { functionName: name }, { orderBy: { number: 'asc' } });
  }

  async updateVersion(name: string, number: number, changes: Partial<Pick<FunctionVersionRecord, 'status' | 'error' | 'artifactPath' | 'deploymentId'>>): Promise<void> {
    await this.write(() => this.store.em().nativeUpdate(FunctionVersionSchema, { functionName: name, number }, changes));
  }

  /** Makes `number` the active version (it must be ready) and returns the one it replaced. */
  /** Marks the version ready and, unless `makeActive` is false, the one invoked when none is named. */
  async activate(name: string, number: number, makeActive = true): Promise<number | undefined> {
    return this.write(() => this.store.em().transactional(async (em) => {
      const fn = await em.findOne(FunctionSchema, { name });
      if (!fn) throw new FunctionNotFoundError(`No function named ${JSON.stringify(name)}.`);
      const version = await em.findOne(FunctionVersionSchema, { functionName: name, number });
      if (!version) throw new VersionNotFoundError(`Function ${JSON.stringify(name)} has no version ${number}.`);
      const previous = fn.activeVersion ?? undefined;
      version.status = 'ready';
      if (!makeActive) return previous;
      fn.activeVersion = number;
      fn.updatedAt = new Date();
      return previous;
    }));
  }

  /** Stops new invocations of the function; running ones may finish. Throws FunctionNotFoundError. */
  async markDeleting(name: string): Promise<FunctionRecord> {
    return this.write(() => this.store.em().transactional(async (em) => {
      const fn = await em.findOne(FunctionSchema, { name });
      if (!fn) throw new FunctionNotFoundError(`No function named ${JSON.stringify(name)}.`);
      fn.status = 'deleting';
      return fn;
    }));
  }

  /** Removes the function and its versions; returns the code hashes no other function still uses. */
  async remove(name: string): Promise<string[]> {
    return this.write(() => this.store.em().transactional(async (em) => {
      const versions = await em.find(FunctionVersionSchema, { functionName: name });
      const hashes = [...new Set(versions.map((v) => v.codeHash))];
      await em.nativeDelete(FunctionVersionSchema, { functionName: name });
      await em.nativeDelete(AliasSchema, { functionName: name });
      await em.nativeDelete(FunctionLogLineSchema, { functionName: name });
      await em.nativeDelete(FunctionSchema, { name });
      const stillUsed = await em.find(FunctionVersionSchema, { codeHash: { $in: hashes } }, { fields: ['codeHash'] });
      const used = new Set(stillUsed.map((v) => v.codeHash));
      return hashes.filter((hash) => !used.has(hash));
    }));
  }
}
