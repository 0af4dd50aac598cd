import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import type { Logger } from '../../../common/logger';
import { parseInput } from '../../../common/validation';
import { defineBuiltinModule } from '../../package';
import { bearerCredential, type AuthModule, type AuthModuleFactory, type Principal } from '../contract';
import { TokenExpiredError, TokenMalformedError, TokenRevokedError, TokenUnknownError } from '../errors';
import type { TokenRecord } from './entity';
import { checkTokenFormat, hashToken } from './format';
import { principalOf, TokenService } from './service';
import declaration from './tokens.module.json';

const optionsSchema = z
  .object({
    /** Known tokens (valid, revoked or expired) kept in memory; the oldest cached goes first. */
    cacheSize: z.number().int().min(1).max(1_000_000).default(10_000),
    /**
     * Well-formed hashes the store does not know. Smaller, and apart from the known ones, so
     * that spraying made-up tokens neither grows memory nor pushes real tokens out.
     */
    unknownCacheSize: z.number().int().min(1).max(1_000_000).default(1_000),
    /** How often last-use times are written. */
    flushIntervalMs: z.number().int().min(100).max(600_000).default(5_000),
  })
  .strict();

export type TokensAuthOptions = z.input<typeof optionsSchema>;

export interface TokensAuthDeps {
  tokens: TokenService;
  logger: Logger;
}

interface Known {
  record: TokenRecord;
  /** Built once per load, not per request. */
  principal: Principal;
}

/** The tokens auth module with its cache; `stats` is for tests and benchmarks. */
export interface TokensAuth extends AuthModule {
  invalidate(): void;
  close(): Promise<void>;
  /** Writes the buffered last-use times now. */
  flush(): Promise<void>;
  stats(): { known: number; unknown: number; pendingUses: number };
}

/**
 * Reads `Authorization: Bearer pyf_…`. Once a token's row is cached, authenticating it
 * costs a SHA-256 and a map lookup: no database read (expiry is checked against the cached
 * row) and no write (last use is buffered and flushed every few seconds, and at close).
 * `invalidate` (the platform calls it when the change feed says auth data changed) drops
 * every cached answer, so a revocation reaches this process within one poll.
 * Throws InputError for bad options.
 */
export function createTokensAuth(deps: TokensAuthDeps, options: TokensAuthOptions = {}): TokensAuth {
  const settings = parseInput(optionsSchema, options, 'tokens auth options', 'options');
  const { tokens, logger } = deps;
  const known = new Map<string, Known>();
  const unknown = new Set<string>();
  /** One store read per hash however many requests present it at once. */
  const loading = new Map<string, Promise<Known | undefined>>();
  /** Bumped by invalidate: a read that started before it must not refill the cache. */
  let generation = 0;
  let uses = new Map<string, number>();
  let flushing: Promise<void> = Promise.resolve();
  let closed = false;

  const timer = setInterval(() => void flush(), settings.flushIntervalMs);
  timer.unref();

  /** Makes room for one more: a Map and a Set both iterate oldest first. */
  function evictOldest(cache: Map<string, unknown> | Set<string>, bound: number): void {
    while (cache.size >= bound) {
      const oldest = cache.keys().next();
      if (oldest.done) return;
      cache.delete(oldest.value);
    }
  }

  async function load(hash: string): Promise<Known | undefined> {
    const started = generation;
    const record = await tokens.findByHash(hash);
    const entry = record ? { record, principal: principalOf(record) } : undefined;
    if (started === generation) {
      if (entry) {
        evictOldest(known, settings.cacheSize);
        known.set(hash, entry);
      } else {
        evictOldest(unknown, settings.unknownCacheSize);
        unknown.add(hash);
      }
    }
    return entry;
  }

  async function lookup(hash: string): Promise<Known | undefined> {
    const cached = known.get(hash);
    if (cached) return cached;
    if (unknown.has(hash)) return undefined;
    let pending = loading.get(hash);
    if (!pending) {
      const started: Promise<Known | undefined> = load(hash).finally(() => {
        if (loading.get(hash) === started) loading.delete(hash);
      });
      loading.set(hash, started);
      pending = started;
    }
    return pending;
  }

  async function authenticate(headers: IncomingHttpHeaders): Promise<Principal | undefined> {
    const credential = bearerCredential(headers);
    if (credential === undefined) return undefined;
    if (!checkTokenFormat(credential)) {
      throw new TokenMalformedError('The bearer credential is not a PyFaaS token (pyf_…), or its checksum is wrong: check it was copied whole.');
    }
    const entry = await lookup(hashToken(credential));
    if (!entry) throw new TokenUnknownError('No such token: it may have been mistyped, or the meta store was reset.');
    const { record, principal } = entry;
    if (record.revokedAt) throw new TokenRevokedError(`Token ${JSON.stringify(record.name)} was revoked on ${record.revokedAt.toISOString()}.`);
    const now = Date.now();
    if (record.expiresAt && record.expiresAt.getTime() <= now) {
      throw new TokenExpiredError(`Token ${JSON.stringify(record.name)} expired on ${record.expiresAt.toISOString()}.`);
    }
    uses.set(record.id, now);
    return principal;
  }

  function flush(): Promise<void> {
    // Chained, so a slow write and the next tick (or close) never run side by side.
    flushing = flushing.then(async () => {
      if (uses.size === 0) return;
      const batch = uses;
      uses = new Map();
      try {
        await tokens.recordUse(new Map([...batch].map(([id, at]) => [id, new Date(at)])));
      } catch (err) {
        // Put them back (keeping any later use) for the next flush: last use is advisory, never worth failing a request.
        for (const [id, at] of batch) if ((uses.get(id) ?? 0) < at) uses.set(id, at);
        logger.warn({ err, tokens: batch.size }, 'could not record token use; will retry');
      }
    });
    return flushing;
  }

  return {
    authenticate,
    invalidate() {
      generation++;
      known.clear();
      unknown.clear();
      // A read in flight may predate the change: later requests must not join it.
      loading.clear();
    },
    flush,
    async close() {
      if (closed) return flushing;
      closed = true;
      clearInterval(timer);
      await flush();
    },
    stats: () => ({ known: known.size, unknown: unknown.size, pendingUses: uses.size }),
  };
}

/** The factory the platform registers; its options come from the auth policy. */
const factory: AuthModuleFactory = (options, deps) => createTokensAuth({ tokens: new TokenService(deps.store, deps.changes), logger: deps.logger }, options);

/** `tokens`: PyFaaS API tokens (`pyf_…`), hashed in the meta store, cached per process. */
export const tokensAuth = defineBuiltinModule<AuthModuleFactory>(declaration, () => factory);
