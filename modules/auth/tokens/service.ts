import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { z } from 'zod';
import { InputError, NotFoundError } from '../../../common/errors';
import { parseInput } from '../../../common/validation';
import { FUNCTION_NAME } from '../../meta/function-input';
import type { ChangeFeed } from '../../meta/revisions';
import type { MetaStore } from '../../meta/store';
import type { FunctionScope, Principal, RateLimit } from '../contract';
import { isPermission, ROLE_NAMES, ROLE_PERMISSIONS, type Permission, type RoleName } from '../permissions';
import { parseLabelSelector } from '../scope';
import { TokenSchema, type TokenRecord } from './entity';
import { generateToken, hashToken, tokenHint } from './format';

export class TokenNotFoundError extends NotFoundError {
  override readonly code: string = 'TOKEN_NOT_FOUND';
}

const DAY_MS = 24 * 60 * 60 * 1000;
const TOKEN_NAME = /^[A-Za-z0-9 ._-]+$/;

const labelsSchema = z.union([
  z.record(z.string().min(1).max(63), z.string().max(63)),
  z.string().max(2000).transform((selector, ctx) => {
    try {
      return parseLabelSelector(selector);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: err.message });
      return z.NEVER;
    }
  }),
]);

const functionsSchema = z
  .object({
    names: z.array(z.string().regex(FUNCTION_NAME, 'must be a function name (a DNS label)')).min(1).max(1000).optional(),
    labels: labelsSchema
      .refine((labels) => Object.keys(labels).length > 0, 'must name at least one label')
      .refine((labels) => Object.keys(labels).length <= 32, 'at most 32 labels')
      .optional(),
  })
  .strict()
  // An empty scope would read as "every function", which is surely not what was meant.
  .refine((scope) => scope.names !== undefined || scope.labels !== undefined, 'must give names or labels (omit functions for every function)');

const expiresAtSchema = z
  .union([z.string().datetime({ offset: true }), z.string().date()], { errorMap: () => ({ message: 'must be an ISO 8601 date or date-time' }) })
  .transform((text) => new Date(text))
  .refine((date) => date.getTime() > Date.now(), 'must be in the future');

/** The body of POST /v1/tokens. */
export const createTokenSchema = z
  .object({
    name: z.string().min(1).max(100).regex(TOKEN_NAME, 'may hold letters, digits, spaces and . _ -'),
    role: z.enum(ROLE_NAMES),
    /** Narrows the role: each must be one of the role's. */
    permissions: z.array(z.string()).min(1).max(100).optional(),
    functions: functionsSchema.optional(),
    expiresAt: expiresAtSchema.optional(),
    expiresInDays: z.number().int().min(1).max(3650).optional(),
    rateLimit: z.object({ requestsPerSecond: z.number().min(0.1).max(100_000), burst: z.number().int().min(1).max(1_000_000) }).strict().optional(),
  })
  .strict()
  .superRefine((input, ctx) => {
    if (input.expiresAt !== undefined && input.expiresInDays !== undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['expiresInDays'], message: 'give expiresAt or expiresInDays, not both' });
    }
    const allowed: readonly string[] = ROLE_PERMISSIONS[input.role];
    input.permissions?.forEach((permission, i) => {
      if (!isPermission(permission)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['permissions', i], message: `${JSON.stringify(permission)} is not a permission` });
      } else if (!allowed.includes(permission)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['permissions', i], message: `${JSON.stringify(permission)} is not among the ${input.role} role's permissions` });
      }
    });
  })
  .transform(({ expiresInDays, expiresAt, permissions, ...rest }) => ({
    ...rest,
    permissions: permissions ? [...new Set(permissions)] : undefined,
    expiresAt: expiresAt ?? (expiresInDays !== undefined ? new Date(Date.now() + expiresInDays * DAY_MS) : undefined),
  }));

export type CreateTokenInput = z.output<typeof createTokenSchema>;

/** The auth policy's `tokens` settings. */
export interface TokenDefaults {
  /** The expiry of a token created without one. */
  expiresInDays?: number | null;
  /** No token may live longer (nor forever). */
  maxLifetimeDays?: number | null;
}

/** What `ensure` writes beside the token's own value. */
export interface EnsureTokenFields {
  name: string;
  role: RoleName;
  createdBy: string;
}

/** A token as the API shows it: never the hash, never the token. */
export interface TokenView {
  id: string;
  name: string;
  role: string;
  permissions: string[] | null;
  functions: FunctionScope | null;
  hint: string;
  rateLimit: RateLimit | null;
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

/**
 * API tokens in the meta store. Only the SHA-256 of a token is stored; the token itself is
 * returned once by `create`. Revoking bumps the `auth` change feed topic, so every process
 * drops its cached answers within one poll.
 */
export class TokenService {
  constructor(
    private readonly store: MetaStore,
    private readonly changes: ChangeFeed,
  ) {}

  /**
   * Makes a token from a request body, under the auth policy's token defaults (an expiry for
   * tokens that name none; a longest lifetime). Throws InputError naming every bad field.
   */
  async create(input: unknown, createdBy: string, defaults: TokenDefaults = {}): Promise<{ token: string; record: TokenRecord }> {
    const parsed = parseInput(createTokenSchema, input, 'token');
    if (!parsed.expiresAt && defaults.expiresInDays) parsed.expiresAt = new Date(Date.now() + defaults.expiresInDays * DAY_MS);
    if (defaults.maxLifetimeDays && (!parsed.expiresAt || parsed.expiresAt.getTime() > Date.now() + defaults.maxLifetimeDays * DAY_MS)) {
      throw new InputError(`Invalid token: the auth policy allows tokens of at most ${defaults.maxLifetimeDays} days; give expiresInDays or expiresAt within it.`);
    }
    const token = generateToken();
    const em = this.store.em();
    const record = em.create(TokenSchema, {
      id: randomUUID(),
      name: parsed.name,
      role: parsed.role,
      permissions: parsed.permissions ?? null,
      functionNames: parsed.functions?.names ?? null,
      functionLabels: parsed.functions?.labels ?? null,
      hash: hashToken(token),
      hint: tokenHint(token),
      rateLimit: parsed.rateLimit ?? null,
      createdBy,
      createdAt: new Date(),
      expiresAt: parsed.expiresAt ?? null,
      revokedAt: null,
      lastUsedAt: null,
    });
    await em.flush();
    // No bump: a fresh random token cannot be in any process's cache of unknown tokens.
    return { token, record };
  }

  /** Newest last. Revoked tokens only when asked; expired ones always (they show why a caller is refused). */
  async list(options: { includeRevoked?: boolean } = {}): Promise<TokenRecord[]> {
    const where = options.includeRevoked ? {} : { revokedAt: null };
    return this.store.em().find(TokenSchema, where, { orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  /** Throws TokenNotFoundError. */
  async get(id: string): Promise<TokenRecord> {
    const record = await this.store.em().findOne(TokenSchema, { id });
    if (!record) throw new TokenNotFoundError(`No token with id ${JSON.stringify(id)}.`);
    return record;
  }

  /**
   * Revokes the token for good; revoking it again changes nothing but still tells every
   * process (a retry after a bump that failed must still reach them). Throws TokenNotFoundError.
   */
  async revoke(id: string): Promise<TokenRecord> {
    const em = this.store.em();
    const record = await em.findOne(TokenSchema, { id });
    if (!record) throw new TokenNotFoundError(`No token with id ${JSON.stringify(id)}.`);
    if (!record.revokedAt) {
      record.revokedAt = new Date();
      await em.flush();
    }
    await this.changes.bump('auth');
    return record;
  }

  async findByHash(hash: string): Promise<TokenRecord | null> {
    return this.store.em().findOne(TokenSchema, { hash });
  }

  /**
   * Writes last-use times, token id → when. One read and one batched update (MikroORM
   * batches same-shaped updates), in one transaction. A time never moves back, so two
   * processes flushing in either order leave the later one.
   */
  async recordUse(uses: ReadonlyMap<string, Date>): Promise<void> {
    if (uses.size === 0) return;
    await this.store.em().transactional(async (em) => {
      const records = await em.find(TokenSchema, { id: { $in: [...uses.keys()] } }, { fields: ['id', 'lastUsedAt'] });
      for (const record of records) {
        const used = uses.get(record.id);
        if (used && (!record.lastUsedAt || record.lastUsedAt < used)) record.lastUsedAt = used;
      }
    });
  }

  /**
   * Stores `token` (whose value the caller already knows, e.g. PYFAAS_ADMIN_TOKEN) unless a
   * token with its hash exists; an existing one is returned as it is, revoked or not.
   */
  async ensure(token: string, fields: EnsureTokenFields): Promise<{ record: TokenRecord; created: boolean }> {
    const hash = hashToken(token);
    const existing = await this.findByHash(hash);
    if (existing) return { record: existing, created: false };
    const em = this.store.em();
    const record = em.create(TokenSchema, {
      id: randomUUID(),
      ...fields,
      permissions: null,
      functionNames: null,
      functionLabels: null,
      hash,
      hint: tokenHint(token),
      rateLimit: null,
      createdAt: new Date(),
      expiresAt: null,
      revokedAt: null,
      lastUsedAt: null,
    });
    try {
      await em.flush();
    } catch (err) {
      // Another process booting at the same moment stored it first.
      if (!(err instanceof UniqueConstraintViolationException)) throw err;
      const winner = await this.findByHash(hash);
      if (!winner) throw err;
      return { record: winner, created: false };
    }
    // A process may have been shown this (known) value before it was stored and cached it as unknown.
    await this.changes.bump('auth');
    return { record, created: true };
  }

  /** How many tokens exist, revoked and expired included. */
  async count(): Promise<number> {
    return this.store.em().count(TokenSchema, {});
  }
}

/** The API shape of a token. */
export function tokenView(record: TokenRecord): TokenView {
  return {
    id: record.id,
    name: record.name,
    role: record.role,
    permissions: record.permissions,
    functions: scopeOf(record) ?? null,
    hint: record.hint,
    rateLimit: record.rateLimit,
    createdBy: record.createdBy,
    createdAt: record.createdAt.toISOString(),
    expiresAt: record.expiresAt?.toISOString() ?? null,
    revokedAt: record.revokedAt?.toISOString() ?? null,
    lastUsedAt: record.lastUsedAt?.toISOString() ?? null,
  };
}

/**
 * The principal a token proves. Its permissions are the role's, narrowed by the token's
 * list; a stored permission the role no longer has is dropped (fail closed). Throws when the
 * row names an unknown role: only a hand-edited row can, and it must not turn into access.
 */
export function principalOf(record: TokenRecord): Principal {
  if (!(ROLE_NAMES as readonly string[]).includes(record.role)) {
    throw new Error(`Token ${record.id} has the unknown role ${JSON.stringify(record.role)}.`);
  }
  const role = record.role as RoleName;
  const granted: readonly Permission[] = ROLE_PERMISSIONS[role];
  const permissions = record.permissions ? granted.filter((p) => record.permissions!.includes(p)) : granted;
  const functions = scopeOf(record);
  return {
    id: `token:${record.id}`,
    name: record.name,
    via: 'tokens',
    role,
    permissions: new Set(permissions),
    ...(functions ? { functions } : {}),
    ...(record.expiresAt ? { expiresAt: record.expiresAt } : {}),
    ...(record.rateLimit ? { rateLimit: record.rateLimit } : {}),
  };
}

function scopeOf(record: TokenRecord): FunctionScope | undefined {
  if (!record.functionNames && !record.functionLabels) return undefined;
  return {
    ...(record.functionNames ? { names: record.functionNames } : {}),
    ...(record.functionLabels ? { labels: record.functionLabels } : {}),
  };
}
