import { InputError } from '../../common/errors';
import type { RateLimit } from './contract';

export type RateAnswer = { ok: true } | { ok: false; retryAfterSeconds: number };

export interface RateLimiterOptions {
  /** The most keys held at once; past it the least recently used is forgotten. */
  maxKeys?: number;
}

interface Bucket {
  tokens: number;
  /** performance.now() of the last refill. */
  at: number;
  /** The limit last applied, so a sweep can tell whether the bucket has refilled. */
  perMs: number;
  capacity: number;
}

/** How many of the oldest buckets each call looks at for one that has refilled. */
const SWEEP = 2;

/**
 * Token buckets keyed by a string: a principal id, or `addr:<client ip>`. A bucket holds up
 * to `burst` tokens and gains `requestsPerSecond` per second; each request takes one.
 *
 * A full bucket is the same as no bucket, so a key not held starts full: forgetting a key
 * that has refilled loses nothing. Each call drops up to two of the least recently used
 * buckets that have refilled (no timers), and at `maxKeys` the least recently used one goes
 * whatever its state — the worst an attacker churning keys gets is a fresh burst for a key
 * pushed out. The Map's insertion order is the recency order: every call is O(1).
 *
 * The limit is read on every call, so a changed policy applies at once to existing buckets.
 * `requestsPerSecond` must be above 0 (the policy's schema refuses 0); a `burst` below 1 is
 * taken as 1, since a bucket that cannot hold one token would refuse everything forever.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly maxKeys: number;

  /** Throws InputError for a maxKeys that is not a positive integer. */
  constructor(options: RateLimiterOptions = {}) {
    this.maxKeys = options.maxKeys ?? 100_000;
    if (!Number.isInteger(this.maxKeys) || this.maxKeys < 1) throw new InputError(`The rate limiter's maxKeys must be a positive integer (got ${this.maxKeys}).`);
  }

  /** Takes one token from `key`'s bucket; refused, says in how many whole seconds one is back (≥ 1). */
  take(key: string, limit: RateLimit, now: number = performance.now()): RateAnswer {
    const perMs = limit.requestsPerSecond / 1000;
    const capacity = Math.max(1, limit.burst);
    let bucket = this.buckets.get(key);
    if (bucket) {
      // Re-inserting moves the key to the recent end.
      this.buckets.delete(key);
      bucket.tokens = Math.min(capacity, bucket.tokens + Math.max(0, now - bucket.at) * perMs);
      bucket.at = Math.max(bucket.at, now);
      bucket.perMs = perMs;
      bucket.capacity = capacity;
    } else {
      bucket = { tokens: capacity, at: now, perMs, capacity };
    }
    this.sweep(now);
    if (this.buckets.size >= this.maxKeys) this.evictOldest();
    this.buckets.set(key, bucket);

    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    const waitMs = (1 - bucket.tokens) / perMs;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  /** How many keys are held. */
  get size(): number {
    return this.buckets.size;
  }

  private sweep(now: number): void {
    for (let i = 0; i < SWEEP; i++) {
      const oldest = this.buckets.entries().next();
      if (oldest.done) return;
      const [key, bucket] = oldest.value;
      if (bucket.tokens + Math.max(0, now - bucket.at) * bucket.perMs < bucket.capacity) return;
      this.buckets.delete(key);
    }
  }

  private evictOldest(): void {
    const oldest = this.buckets.keys().next();
    if (!oldest.done) this.buckets.delete(oldest.value);
  }
}
