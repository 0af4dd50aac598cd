import { EntitySchema } from '@mikro-orm/core';
import type { z } from 'zod';
import { NotFoundError } from '../../common/errors';
import { parseInput } from '../../common/validation';
import type { ChangeFeed, Topic } from './revisions';
import type { MetaStore } from './store';

/** A platform-wide policy (the seed's 配置权限策略): one JSON document per kind. */
export interface PolicyRecord {
  kind: string;
  value: Record<string, unknown>;
  revision: number;
  updatedBy: string;
  updatedAt: Date;
}

// No runtime import from ./entities: entities.ts lists this schema in ALL_ENTITIES.
export const PolicySchema = new EntitySchema<PolicyRecord>({
  name: 'PolicyRecord',
  tableName: 'policies',
  properties: {
    kind: { type: 'string', primary: true, length: 32 },
    value: { type: 'json' },
    revision: { type: 'integer' },
    updatedBy: { type: 'string', length: 300 },
    updatedAt: { type: 'datetime' },
  },
});

/** A kind of policy: its schema (defaults included) and the change topic its readers watch. */
export interface PolicyKind<T> {
  kind: string;
  /** The change topic its readers watch (default `policies`). */
  topic?: Topic;
  schema: z.ZodType<T, z.ZodTypeDef, unknown>;
  /** Checks what the schema cannot (e.g. a module's own options); throws InputError. */
  check?(value: T): void | Promise<void>;
}

export class PolicyNotFoundError extends NotFoundError {
  override readonly code: string = 'POLICY_NOT_FOUND';
}

export interface PolicyView<T> {
  kind: string;
  value: T;
  /** 0 while the defaults apply. */
  revision: number;
  updatedBy?: string;
  updatedAt?: string;
}

/**
 * Policies in the meta store. A read parses the stored document with the kind's schema (so
 * defaults added later apply); a write validates it, stores it and bumps the kind's topic so
 * every process picks it up without a restart.
 */
export class PolicyService {
  private readonly kinds = new Map<string, PolicyKind<unknown>>();

  constructor(
    private readonly store: MetaStore,
    private readonly changes: ChangeFeed,
  ) {}

  register<T>(kind: PolicyKind<T>): this {
    this.kinds.set(kind.kind, kind as PolicyKind<unknown>);
    return this;
  }

  kindNames(): string[] {
    return [...this.kinds.keys()];
  }

  async get<T>(kindName: string): Promise<PolicyView<T>> {
    const kind = this.kind(kindName);
    const row = await this.store.em().findOne(PolicySchema, { kind: kindName });
    const value = parseInput(kind.schema, row?.value ?? {}, `${kindName} policy`) as T;
    return { kind: kindName, value, revision: row?.revision ?? 0, ...(row ? { updatedBy: row.updatedBy, updatedAt: row.updatedAt.toISOString() } : {}) };
  }

  /** Replaces the policy. Throws InputError (nothing stored) when it does not validate. */
  async put<T>(kindName: string, input: unknown, updatedBy: string): Promise<PolicyView<T>> {
    const kind = this.kind(kindName);
    const value = parseInput(kind.schema, input ?? {}, `${kindName} policy`);
    await kind.check?.(value);
    const em = this.store.em();
    const row = await em.findOne(PolicySchema, { kind: kindName });
    const revision = (row?.revision ?? 0) + 1;
    await em.upsert(PolicySchema, { kind: kindName, value: value as Record<string, unknown>, revision, updatedBy, updatedAt: new Date() });
    await this.changes.bump(kind.topic ?? 'policies');
    return this.get<T>(kindName);
  }

  private kind(name: string): PolicyKind<unknown> {
    const kind = this.kinds.get(name);
    if (!kind) throw new PolicyNotFoundError(`No policy kind ${JSON.stringify(name)}; kinds: ${this.kindNames().join(', ')}.`);
    return kind;
  }
}
