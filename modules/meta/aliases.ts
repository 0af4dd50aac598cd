import { randomUUID } from 'node:crypto';
import { EntitySchema, UniqueConstraintViolationException } from '@mikro-orm/core';
import { z } from 'zod';
import { ConflictError, InputError, NotFoundError } from '../../common/errors';
import { parseInput } from '../../common/validation';
import { FUNCTION_NAME } from './function-input';
import type { FunctionService } from './functions';
import { announced, type ChangeFeed } from './revisions';
import type { MetaStore } from './store';

/** One version an alias sends traffic to, with its share in percent. */
export interface AliasRoute {
  version: number;
  weight: number;
}

/** A named pointer at one or two versions of a function (`live`, `canary`), split by weight. */
export interface AliasRecord {
  id: string;
  functionName: string;
  /** A DNS label, unique per function. */
  name: string;
  /** One or two routes, integer weights summing to 100, versions ready when set. */
  routes: AliasRoute[];
  createdAt: Date;
  updatedAt: Date;
}

// No runtime import from ./entities: entities.ts lists this schema in ALL_ENTITIES.
export const AliasSchema = new EntitySchema<AliasRecord>({
  name: 'AliasRecord',
  tableName: 'function_aliases',
  uniques: [{ properties: ['functionName', 'name'] }],
  properties: {
    id: { type: 'string', primary: true, length: 36 },
    functionName: { type: 'string', length: 63, index: true },
    name: { type: 'string', length: 63 },
    routes: { type: 'json' },
    createdAt: { type: 'datetime', onCreate: () => new Date() },
    updatedAt: { type: 'datetime', onCreate: () => new Date(), onUpdate: () => new Date() },
  },
});

export class AliasNotFoundError extends NotFoundError {
  override readonly code: string = 'ALIAS_NOT_FOUND';
}

/** A route names a version that does not exist or is not ready. */
export class VersionNotReadyError extends ConflictError {
  override readonly code: string = 'VERSION_NOT_READY';
}

/** The alias is not what the caller last saw (a rollout finds someone else changed it). */
export class AliasChangedError extends ConflictError {
  override readonly code: string = 'ALIAS_CHANGED';
}

const routeSchema = z.object({ version: z.number().int().min(1).max(2 ** 31 - 1), weight: z.number().int().min(0).max(100) }).strict();

export const routesSchema = z
  .array(routeSchema)
  .min(1, 'must name one or two versions')
  .max(2, 'must name one or two versions')
  .refine((routes) => routes.reduce((sum, r) => sum + r.weight, 0) === 100, 'weights must sum to 100')
  .refine((routes) => new Set(routes.map((r) => r.version)).size === routes.length, 'each version may appear once');

export const putAliasSchema = z.object({ versions: routesSchema }).strict();

export const ALIAS_NAME_RULE = 'must be a DNS label: lowercase letters, digits and -, starting with a letter, at most 63 characters';

function checkName(name: string): void {
  if (!FUNCTION_NAME.test(name)) throw new InputError(`Invalid alias: name ${ALIAS_NAME_RULE}.`, { issues: [{ path: 'name', message: ALIAS_NAME_RULE }] });
}

/** Two route lists say the same thing (order aside). */
export function sameRoutes(a: AliasRoute[], b: AliasRoute[]): boolean {
  const key = (routes: AliasRoute[]) => JSON.stringify([...routes].sort((x, y) => x.version - y.version).map((r) => [r.version, r.weight]));
  return key(a) === key(b);
}

/**
 * Aliases of functions in the meta store. A route's version must exist and be ready when
 * the alias is set; versions never leave `ready`, and deleting a function deletes its
 * aliases (FunctionService.remove), so an alias never points at nothing.
 */
export class AliasService {
  constructor(
    private readonly store: MetaStore,
    private readonly functions: FunctionService,
    private readonly changes?: ChangeFeed,
  ) {}

  private write<T>(change: () => Promise<T>): Promise<T> {
    return announced(this.changes, 'functions', change);
  }

  /**
   * Creates or replaces the alias from a request body `{versions:[{version, weight}]}`.
   * Throws InputError, FunctionNotFoundError, VersionNotReadyError.
   */
  async put(functionName: string, name: string, body: unknown): Promise<{ alias: AliasRecord; created: boolean }> {
    checkName(name);
    const { versions } = parseInput(putAliasSchema, body, 'alias');
    return this.set(functionName, name, versions);
  }

  /**
   * Sets the routes, but only while they still are `expected` (compare and set): a rollout
   * uses it so that a change someone made meanwhile is not overwritten. Setting what is
   * already there succeeds. Throws
   * AliasNotFoundError, AliasChangedError, VersionNotReadyError.
   */
  async replaceIf(functionName: string, name: string, expected: AliasRoute[], routes: AliasRoute[]): Promise<AliasRecord> {
    await this.checkVersions(functionName, routes);
    return this.write(() => this.store.em().transactional(async (em) => {
      const alias = await em.findOne(AliasSchema, { functionName, name });
      if (!alias) throw new AliasNotFoundError(`Function ${JSON.stringify(functionName)} has no alias ${JSON.stringify(name)}.`);
      // Already set (a retry after a lost answer): done.
      if (sameRoutes(alias.routes, routes)) return alias;
      if (!sameRoutes(alias.routes, expected)) {
        throw new AliasChangedError(`Alias ${JSON.stringify(name)} of ${JSON.stringify(functionName)} was changed meanwhile (now ${describeRoutes(alias.routes)}, expected ${describeRoutes(expected)}).`);
      }
      alias.routes = routes;
      alias.updatedAt = new Date();
      return alias;
    }));
  }

  /** Throws FunctionNotFoundError, AliasNotFoundError. */
  async get(functionName: string, name: string): Promise<AliasRecord> {
    await this.functions.get(functionName);
    return this.find(functionName, name);
  }

  /** The alias without checking its function first (the invoke path already read it). Throws AliasNotFoundError. */
  async find(functionName: string, name: string): Promise<AliasRecord> {
    const alias = await this.store.em().findOne(AliasSchema, { functionName, name });
    if (!alias) throw new AliasNotFoundError(`Function ${JSON.stringify(functionName)} has no alias ${JSON.stringify(name)}.`);
    return alias;
  }

  /** Throws FunctionNotFoundError. */
  async list(functionName: string): Promise<AliasRecord[]> {
    await this.functions.get(functionName);
    return this.store.em().find(AliasSchema, { functionName }, { orderBy: { name: 'asc' } });
  }

  /** Throws FunctionNotFoundError, AliasNotFoundError. */
  async delete(functionName: string, name: string): Promise<void> {
    await this.functions.get(functionName);
    const removed = await this.write(() => this.store.em().nativeDelete(AliasSchema, { functionName, name }));
    if (removed === 0) throw new AliasNotFoundError(`Function ${JSON.stringify(functionName)} has no alias ${JSON.stringify(name)}.`);
  }

  private async set(functionName: string, name: string, routes: AliasRoute[], retried = false): Promise<{ alias: AliasRecord; created: boolean }> {
    await this.checkVersions(functionName, routes);
    try {
      return await this.write(() => this.store.em().transactional(async (em) => {
        const now = new Date();
        const existing = await em.findOne(AliasSchema, { functionName, name });
        if (existing) {
          em.assign(existing, { routes, updatedAt: now });
          return { alias: existing, created: false };
        }
        const alias = em.create(AliasSchema, { id: randomUUID(), functionName, name, routes, createdAt: now, updatedAt: now });
        return { alias, created: true };
      }));
    } catch (err) {
      // Two creates raced: the loser replaces what the winner made.
      if (err instanceof UniqueConstraintViolationException && !retried) return this.set(functionName, name, routes, true);
      throw err;
    }
  }

  /** Throws FunctionNotFoundError, VersionNotReadyError. */
  private async checkVersions(functionName: string, routes: AliasRoute[]): Promise<void> {
    await this.functions.get(functionName);
    const versions = await this.functions.listVersions(functionName);
    for (const { version } of routes) {
      const record = versions.find((v) => v.number === version);
      if (!record) throw new VersionNotReadyError(`Function ${JSON.stringify(functionName)} has no version ${version}.`);
      if (record.status !== 'ready') throw new VersionNotReadyError(`Version ${version} of ${JSON.stringify(functionName)} is ${record.status}, not ready.`);
    }
  }
}

export function describeRoutes(routes: AliasRoute[]): string {
  return routes.map((r) => `v${r.version} ${r.weight}%`).join(' / ');
}
