import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { z } from 'zod';
import { ConflictError, InputError, ModuleError, NotFoundError } from '../../common/errors';
import { parseInput } from '../../common/validation';
import type { Logger } from '../../common/logger';
import { TriggerSchema, type TriggerRecord } from '../meta/entities';
import { FUNCTION_NAME } from '../meta/function-input';
import type { FunctionService } from '../meta/functions';
import type { MetaStore } from '../meta/store';
import type { ModuleRegistry } from '../registry';
import type { ModuleManifest } from '../model';
import { validateModuleConfig } from '../config-schema';
import { checkTriggerCount, checkTriggerKindAllowed, type TriggerPolicy } from '../meta/policy-kinds';
import type { Trigger, TriggerKind, TriggerKindDeps, TriggerKindFactory } from './contract';

export class TriggerNotFoundError extends NotFoundError {
  override readonly code: string = 'TRIGGER_NOT_FOUND';
}

export class UnknownTriggerKindError extends InputError {
  override readonly code: string = 'UNKNOWN_TRIGGER_KIND';
}

/** The trigger cannot coexist with another (same HTTP route, same consumer group). */
export class TriggerConflictError extends ConflictError {
  override readonly code: string = 'TRIGGER_CONFLICT';
}

const DNS_LABEL = 'must be a DNS label: lowercase letters, digits and -, starting with a letter, at most 63 characters';

/** Names the platform keeps for triggers of its own (the invoke topic's consumer is `pyfaas-invoke`). */
const RESERVED_PREFIX = 'pyfaas-';

export const createTriggerSchema = z
  .object({
    name: z.string().regex(FUNCTION_NAME, DNS_LABEL).refine((name) => !name.startsWith(RESERVED_PREFIX), `names starting with ${RESERVED_PREFIX} are reserved`),
    kind: z.string().min(1).max(32),
    function: z.string().regex(FUNCTION_NAME, 'must be a function name'),
    config: z.record(z.unknown()).default({}),
    paused: z.boolean().default(false),
    description: z.string().max(1024).default(''),
  })
  .strict();

export const updateTriggerSchema = z
  .object({
    function: z.string().regex(FUNCTION_NAME, 'must be a function name'),
    config: z.record(z.unknown()),
    paused: z.boolean(),
    description: z.string().max(1024),
  })
  .partial()
  .strict();

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Compares a presented key with the stored hash in constant time. */
export function apiKeyMatches(key: string | undefined, hash: string | undefined): boolean {
  if (!key || !hash) return false;
  return timingSafeEqual(Buffer.from(hashApiKey(key), 'hex'), Buffer.from(hash, 'hex'));
}

function newApiKey(): string {
  return `pfk_${randomBytes(24).toString('base64url')}`;
}

/**
 * Where the service finds trigger kinds. It asks on every use, never once at start: hub
 * modules are installed and uninstalled while the process runs (modules/registry.ts), and a
 * kind installed later must work without a restart.
 */
export interface TriggerKinds {
  /** The kind named `name` now, or undefined when none is installed; throws ModuleError when its module builds no valid kind. */
  get(name: string): TriggerKind | undefined;
  /** Every kind installed now. */
  names(): string[];
  /** The JSON Schema the kind's module declares for a trigger's config (its `writeOnly` fields are never shown). */
  configSchema?(name: string): Record<string, unknown> | undefined;
  /** The kind's module manifest: its configSchema checks a config after the kind's parser accepted it. */
  manifest?(name: string): ModuleManifest | undefined;
}

/** A fixed set of kinds (tests, tools). */
export function staticTriggerKinds(kinds: TriggerKind[]): TriggerKinds {
  const byName = new Map(kinds.map((kind) => [kind.kind, kind]));
  return { get: (name) => byName.get(name), names: () => [...byName.keys()] };
}

/**
 * The registry's trigger modules, each kind built from its module's factory on first use and
 * rebuilt when the module is replaced (the registry hands out a new factory after `install`).
 * A module's id is the kind's name.
 */
export function registryTriggerKinds(registry: ModuleRegistry, deps: TriggerKindDeps): TriggerKinds {
  const built = new WeakMap<TriggerKindFactory, TriggerKind>();
  return {
    get(name) {
      if (!registry.has('trigger', name)) return undefined;
      const factory = registry.get<TriggerKindFactory>('trigger', name);
      const known = built.get(factory);
      if (known) return known;
      if (typeof factory !== 'function') throw new ModuleError(`Trigger module ${JSON.stringify(name)} is not a trigger kind factory (modules/trigger/contract.ts).`);
      const kind = factory(deps);
      if (kind?.kind !== name || typeof kind.parseConfig !== 'function') {
        throw new ModuleError(`Trigger module ${JSON.stringify(name)} built no trigger kind named ${JSON.stringify(name)} with parseConfig() (it built ${JSON.stringify(kind?.kind)}).`);
      }
      built.set(factory, kind);
      return kind;
    },
    names: () => registry.ids('trigger'),
    configSchema: (name) => registry.find('trigger', name)?.manifest.configSchema,
    manifest: (name) => registry.find('trigger', name)?.manifest,
  };
}

export interface TriggerServiceDeps {
  store: MetaStore;
  functions: FunctionService;
  /** A fixed list, or a source asked on every use (the registry: `registryTriggerKinds`). */
  kinds: TriggerKind[] | TriggerKinds;
  /** The trigger policy in force (allowed kinds, triggers per function); absent: no limits. */
  policy?: () => Promise<TriggerPolicy>;
  logger: Logger;
}

/**
 * Triggers: stored in the meta store, validated by their kind's module, and applied by it
 * (a Temporal Schedule follows its trigger) inside the same transaction, so a change that the
 * outside system refuses is not stored either. The Kafka bridge and the HTTP routes read them.
 */
export class TriggerService {
  private readonly kinds: TriggerKinds;
  private readonly listeners: Array<() => void> = [];

  constructor(private readonly deps: TriggerServiceDeps) {
    this.kinds = Array.isArray(deps.kinds) ? staticTriggerKinds(deps.kinds) : deps.kinds;
  }

  /** Calls `listener` after every change made through this service (the bridge and HTTP routes refresh at once). */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  kindNames(): string[] {
    return this.kinds.names();
  }

  /** The kind named `name` as installed now, or undefined (its module was uninstalled, say). */
  kindOf(name: string): TriggerKind | undefined {
    return this.kinds.get(name);
  }

  /**
   * The trigger as an API view may show it: config fields its kind's module declares
   * `writeOnly` in its configSchema (a webhook secret) are left out, and all of the config
   * while the kind is not installed (nothing says then which fields are secret). Throws nothing.
   */
  redact<Config>(trigger: Trigger<Config>): Trigger<Config> {
    if (!this.installedKind(trigger.kind)) return { ...trigger, config: {} as Config };
    const properties = (this.kinds.configSchema?.(trigger.kind)?.properties ?? {}) as Record<string, { writeOnly?: unknown } | undefined>;
    const hidden = Object.keys(properties).filter((field) => properties[field]?.writeOnly === true);
    if (hidden.length === 0 || typeof trigger.config !== 'object' || trigger.config === null) return trigger;
    const config = Object.fromEntries(Object.entries(trigger.config as Record<string, unknown>).filter(([field]) => !hidden.includes(field)));
    return { ...trigger, config: config as Config };
  }

  /**
   * Creates a trigger; `apiKey` is returned once, for kinds that ask callers for one. Throws
   * InputError for a bad request or config, PolicyViolationError (400) for a kind the trigger
   * policy does not allow, PolicyLimitReachedError (409) when the function has as many
   * triggers as the policy allows.
   */
  async create(body: unknown): Promise<{ trigger: Trigger; apiKey?: string }> {
    const input = parseInput(createTriggerSchema, body, 'trigger');
    const policy = (await this.deps.policy?.()) ?? {};
    checkTriggerKindAllowed(input.kind, policy);
    const kind = this.kind(input.kind);
    const config = kind.parseConfig(input.config);
    this.checkConfigSchema(input.kind, input.config);
    await this.requireFunction(input.function);
    const apiKey = kind.needsApiKey?.(config) ? newApiKey() : undefined;
    let applied: Trigger | undefined;
    try {
      const trigger = await this.deps.store.em().transactional(async (em) => {
        if (await em.count(TriggerSchema, { name: input.name })) throw new ConflictError(`A trigger named ${JSON.stringify(input.name)} already exists.`);
        checkTriggerCount(input.function, await em.count(TriggerSchema, { functionName: input.function }), policy);
        const now = new Date();
        const record = em.create(TriggerSchema, {
          id: randomUUID(), name: input.name, kind: input.kind, functionName: input.function, config, paused: input.paused,
          description: input.description, apiKeyHash: apiKey ? hashApiKey(apiKey) : undefined, createdAt: now, updatedAt: now,
        });
        const trigger = this.parsed(record);
        await this.checkConflicts(trigger, await em.find(TriggerSchema, { kind: input.kind, name: { $ne: input.name } }));
        await em.flush();
        await kind.apply?.(trigger);
        applied = trigger;
        return trigger;
      });
      this.changed();
      this.deps.logger.info({ trigger: trigger.name, kind: trigger.kind, functionName: trigger.functionName }, 'trigger created');
      return { trigger, apiKey };
    } catch (err) {
      // Applied outside, then the commit failed: undo the outside part too.
      if (applied) await this.undo(() => kind.remove?.(applied!), applied.name);
      if (err instanceof UniqueConstraintViolationException) throw new ConflictError(`A trigger named ${JSON.stringify(input.name)} already exists.`);
      throw err;
    }
  }

  /** Throws TriggerNotFoundError. */
  async get(name: string): Promise<Trigger> {
    const record = await this.deps.store.em().findOne(TriggerSchema, { name });
    if (!record) throw new TriggerNotFoundError(`No trigger named ${JSON.stringify(name)}.`);
    return this.parsed(record);
  }

  /** The trigger and what its kind's outside system says about it now; a failed look-up is reported, not thrown. */
  async describe(name: string): Promise<{ trigger: Trigger; live?: Record<string, unknown> }> {
    const trigger = await this.get(name);
    const kind = this.installedKind(trigger.kind);
    if (!kind?.describe) return { trigger };
    try {
      return { trigger, live: await kind.describe(trigger) };
    } catch (err) {
      return { trigger, live: { error: (err as Error).message } };
    }
  }

  /** Each trigger's config as its kind parsed it: with `kind` given, `Config` is that kind's config type. */
  async list<Config = Record<string, unknown>>(filter: { kind?: string; functionName?: string } = {}): Promise<Array<Trigger<Config>>> {
    const where = { ...(filter.kind ? { kind: filter.kind } : {}), ...(filter.functionName ? { functionName: filter.functionName } : {}) };
    const records = await this.deps.store.em().find(TriggerSchema, where, { orderBy: { name: 'asc' } });
    // A trigger whose kind is no longer registered, or whose stored config that kind now refuses,
    // is skipped with a warning rather than failing every other trigger: it stays stored.
    return records.flatMap((record) => {
      try {
        if (!this.kinds.get(record.kind)) return [];
        return [this.parsed(record) as Trigger<Config>];
      } catch (err) {
        this.deps.logger.warn({ trigger: record.name, kind: record.kind, error: (err as Error).message }, 'stored trigger skipped: its kind refuses its config');
        return [];
      }
    });
  }

  /** Changes function, config, paused or description; the kind re-applies it. */
  async update(name: string, body: unknown): Promise<Trigger> {
    const patch = parseInput(updateTriggerSchema, body, 'trigger update');
    if (patch.function) await this.requireFunction(patch.function);
    let applied: { kind: TriggerKind; next: Trigger; previous: Trigger } | undefined;
    const trigger = await this.deps.store.em().transactional(async (em) => {
      const record = await em.findOne(TriggerSchema, { name });
      if (!record) throw new TriggerNotFoundError(`No trigger named ${JSON.stringify(name)}.`);
      const kind = this.kind(record.kind);
      const previous = this.parsed(record);
      const config = patch.config === undefined ? previous.config : kind.parseConfig(patch.config);
      if (patch.config !== undefined) this.checkConfigSchema(record.kind, patch.config);
      if (patch.function && patch.function !== record.functionName) {
        checkTriggerCount(patch.function, await em.count(TriggerSchema, { functionName: patch.function }), (await this.deps.policy?.()) ?? {});
      }
      if (kind.needsApiKey?.(config) && !record.apiKeyHash) {
        throw new InputError(`Trigger ${JSON.stringify(name)} was made without an API key; delete and create it again to require one.`);
      }
      em.assign(record, {
        functionName: patch.function ?? record.functionName, config, paused: patch.paused ?? record.paused,
        description: patch.description ?? record.description, updatedAt: new Date(),
      });
      const next = this.parsed(record);
      await this.checkConflicts(next, await em.find(TriggerSchema, { kind: record.kind, name: { $ne: name } }));
      await em.flush();
      await kind.apply?.(next, previous);
      applied = { kind, next, previous };
      return next;
    }).catch(async (err) => {
      if (applied) await this.undo(() => applied!.kind.apply?.(applied!.previous, applied!.next), name);
      throw err;
    });
    this.changed();
    this.deps.logger.info({ trigger: name, paused: trigger.paused }, 'trigger updated');
    return trigger;
  }

  /** Issues a new API key (the old one stops working); throws InputError for kinds that use none. */
  async rotateApiKey(name: string): Promise<string> {
    const apiKey = newApiKey();
    await this.deps.store.em().transactional(async (em) => {
      const record = await em.findOne(TriggerSchema, { name });
      if (!record) throw new TriggerNotFoundError(`No trigger named ${JSON.stringify(name)}.`);
      if (!record.apiKeyHash) throw new InputError(`Trigger ${JSON.stringify(name)} takes no API key.`);
      record.apiKeyHash = hashApiKey(apiKey);
    });
    this.changed();
    return apiKey;
  }

  /** Throws TriggerNotFoundError. */
  async delete(name: string): Promise<void> {
    await this.deps.store.em().transactional(async (em) => {
      const record = await em.findOne(TriggerSchema, { name });
      if (!record) throw new TriggerNotFoundError(`No trigger named ${JSON.stringify(name)}.`);
      await this.removeRecord(record, em);
    });
    this.changed();
    this.deps.logger.info({ trigger: name }, 'trigger deleted');
  }

  /** Deletes every trigger of a function (when the function is deleted); returns their names. */
  async deleteForFunction(functionName: string): Promise<string[]> {
    const names = await this.deps.store.em().transactional(async (em) => {
      const records = await em.find(TriggerSchema, { functionName });
      for (const record of records) await this.removeRecord(record, em);
      return records.map((record) => record.name);
    });
    if (names.length > 0) {
      this.changed();
      this.deps.logger.info({ functionName, triggers: names }, 'deleted the triggers of a deleted function');
    }
    return names;
  }

  private async removeRecord(record: TriggerRecord, em: ReturnType<MetaStore['em']>): Promise<void> {
    const kind = this.installedKind(record.kind);
    if (kind) await kind.remove?.(this.parsed(record));
    await em.nativeDelete(TriggerSchema, { id: record.id });
  }

  /** Best effort: the change is already refused; a failed undo is logged for the operator. */
  private async undo(step: () => Promise<void> | undefined, name: string): Promise<void> {
    try {
      await step();
    } catch (err) {
      this.deps.logger.error({ err, trigger: name }, 'could not undo a trigger change outside the meta store after its commit failed');
    }
  }

  /** The kind, or undefined when it is not installed or its module is broken (logged): a stored trigger stays readable and deletable. */
  private installedKind(name: string): TriggerKind | undefined {
    try {
      return this.kinds.get(name);
    } catch (err) {
      this.deps.logger.warn({ kind: name, error: (err as Error).message }, 'trigger kind unavailable');
      return undefined;
    }
  }

  /** After the kind's parser accepted `config`: its module's configSchema, a second guard (InputError under `config`). */
  private checkConfigSchema(kind: string, config: unknown): void {
    const manifest = this.kinds.manifest?.(kind);
    if (manifest) validateModuleConfig(manifest, config, 'config');
  }

  private kind(name: string): TriggerKind {
    const kind = this.kinds.get(name);
    if (!kind) throw new UnknownTriggerKindError(`Unknown trigger kind ${JSON.stringify(name)}; available: ${this.kindNames().join(', ')}.`);
    return kind;
  }

  /** A trigger may only point at an existing function that is not being deleted. */
  private async requireFunction(functionName: string): Promise<void> {
    const fn = await this.deps.functions.get(functionName, true);
    if (fn.status === 'deleting') throw new ConflictError(`Function ${JSON.stringify(functionName)} is being deleted; a trigger cannot point at it.`);
  }

  private async checkConflicts(candidate: Trigger, others: TriggerRecord[]): Promise<void> {
    const kind = this.kind(candidate.kind);
    if (!kind.conflict) return;
    for (const other of others) {
      const reason = kind.conflict(candidate, this.parsed(other));
      if (reason) throw new TriggerConflictError(`Trigger ${JSON.stringify(candidate.name)} conflicts with trigger ${JSON.stringify(other.name)}: ${reason}.`);
    }
  }

  /** Stored configs were parsed on the way in; parsing again applies defaults added since. */
  private parsed(record: TriggerRecord): Trigger {
    const kind = this.installedKind(record.kind);
    return { ...record, config: kind ? kind.parseConfig(record.config) : record.config };
  }

  private changed(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch (err) {
        this.deps.logger.warn({ err }, 'a trigger change listener failed');
      }
    }
  }
}
