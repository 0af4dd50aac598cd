import { InputError } from '../../../common/errors';
import { RateLimiter } from '../../../modules/auth/rate-limit';

const TEN_BURST_FIVE = { requestsPerSecond: 10, burst: 5 };

describe('RateLimiter', () => {
  it('allows the burst at once, then refuses with the seconds until a token is back', () => {
    const limiter = new RateLimiter();
    for (let i = 0; i < 5; i++) expect(limiter.take('token:a', TEN_BURST_FIVE, 1000)).toEqual({ ok: true });
    expect(limiter.take('token:a', TEN_BURST_FIVE, 1000)).toEqual({ ok: false, retryAfterSeconds: 1 });
    // One request every 10 s: a refused caller waits the full interval, rounded up.
    const slow = { requestsPerSecond: 0.1, burst: 1 };
    expect(limiter.take('token:b', slow, 0)).toEqual({ ok: true });
    expect(limiter.take('token:b', slow, 2500)).toEqual({ ok: false, retryAfterSeconds: 8 });
  });

  it('refills at the rate, up to the burst and no further', () => {
    const limiter = new RateLimiter();
    for (let i = 0; i < 5; i++) limiter.take('k', TEN_BURST_FIVE, 0);
    expect(limiter.take('k', TEN_BURST_FIVE, 50).ok).toBe(false);
    // 100 ms at 10/s is one token.
    expect(limiter.take('k', TEN_BURST_FIVE, 100).ok).toBe(true);
    expect(limiter.take('k', TEN_BURST_FIVE, 100).ok).toBe(false);
    // A long idle time refills to the burst only.
    const answers = Array.from({ length: 7 }, () => limiter.take('k', TEN_BURST_FIVE, 60_000).ok);
    expect(answers).toEqual([true, true, true, true, true, false, false]);
  });

  it('does not refill when time goes backwards', () => {
    const limiter = new RateLimiter();
    const one = { requestsPerSecond: 1, burst: 1 };
    expect(limiter.take('k', one, 5000).ok).toBe(true);
    expect(limiter.take('k', one, 1000).ok).toBe(false);
    expect(limiter.take('k', one, 5500).ok).toBe(false);
    expect(limiter.take('k', one, 6000).ok).toBe(true);
  });

  it('keeps keys independent', () => {
    const limiter = new RateLimiter();
    const one = { requestsPerSecond: 1, burst: 1 };
    expect(limiter.take('token:a', one, 0).ok).toBe(true);
    expect(limiter.take('token:a', one, 0).ok).toBe(false);
    expect(limiter.take('addr:10.0.0.1', one, 0).ok).toBe(true);
    expect(limiter.take('token:b', one, 0).ok).toBe(true);
    expect(limiter.take('token:a', one, 0).ok).toBe(false);
  });

  it('applies a changed limit to an existing bucket', () => {
    const limiter = new RateLimiter();
    for (let i = 0; i < 5; i++) limiter.take('k', TEN_BURST_FIVE, 0);
    // A smaller burst caps what the bucket holds; a higher rate refills it sooner.
    expect(limiter.take('k', { requestsPerSecond: 1000, burst: 2 }, 10).ok).toBe(true);
    expect(limiter.take('k', { requestsPerSecond: 1000, burst: 2 }, 10).ok).toBe(true);
    expect(limiter.take('k', { requestsPerSecond: 1000, burst: 2 }, 10).ok).toBe(false);
  });

  it('never holds more than maxKeys, forgetting the least recently used first', () => {
    const limiter = new RateLimiter({ maxKeys: 3 });
    const one = { requestsPerSecond: 1, burst: 1 };
    for (const key of ['a', 'b', 'c']) limiter.take(key, one, 0);
    // Touch a: b is now the least recently used.
    expect(limiter.take('a', one, 0).ok).toBe(false);
    for (let i = 0; i < 1000; i++) {
      limiter.take(`churn-${i}`, one, 0);
      expect(limiter.size).toBeLessThanOrEqual(3);
    }
    const fresh = new RateLimiter({ maxKeys: 3 });
    for (const key of ['a', 'b', 'c']) fresh.take(key, one, 0);
    fresh.take('a', one, 0);
    fresh.take('d', one, 0);
    // b was evicted (so it starts full again); a was kept (still empty).
    expect(fresh.take('b', one, 0).ok).toBe(true);
    expect(fresh.size).toBe(3);
    expect(fresh.take('a', one, 0).ok).toBe(false);
  });

  it('drops buckets that have refilled completely', () => {
    const limiter = new RateLimiter();
    const one = { requestsPerSecond: 1, burst: 1 };
    for (let i = 0; i < 100; i++) limiter.take(`k${i}`, one, 0);
    expect(limiter.size).toBe(100);
    // A second later every bucket is full again: each call sweeps a couple of them.
    for (let i = 0; i < 60; i++) limiter.take('busy', one, 1000 + i * 1000);
    expect(limiter.size).toBe(1);
  });

  it('refuses a maxKeys that is not a positive integer', () => {
    expect(() => new RateLimiter({ maxKeys: 0 })).toThrow(InputError);
    expect(() => new RateLimiter({ maxKeys: 1.5 })).toThrow(InputError);
  });
});
