/** Thrown by `retryUntilDone` when the work should stop (consumer stopping, partition revoked). */
export class GaveUpError extends Error {
  constructor(readonly lastError: unknown) {
    super('gave up: the consumer is stopping or lost the partition');
    this.name = 'GaveUpError';
  }
}

export interface RetryOptions {
  /** Checked before each attempt and during each wait; false ends the retries with GaveUpError. */
  keepGoing: () => boolean;
  /** Told about every failed attempt and the wait before the next one. */
  onError: (err: unknown, attempt: number, delayMs: number) => void;
  /** Errors that retrying cannot fix: rethrown at once. */
  isFinal?: (err: unknown) => boolean;
  initialDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Runs `attempt` until it succeeds, waiting with exponential backoff (and jitter) between
 * failures. It never skips: the only ways out are success, a final error, or GaveUpError.
 */
export async function retryUntilDone<T>(attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
  const initial = options.initialDelayMs ?? 200;
  const max = options.maxDelayMs ?? 10_000;
  let lastError: unknown;
  for (let n = 1; ; n += 1) {
    if (!options.keepGoing()) throw new GaveUpError(lastError);
    try {
      return await attempt();
    } catch (err) {
      if (options.isFinal?.(err)) throw err;
      lastError = err;
      const delay = Math.min(max, initial * 2 ** (n - 1)) * (0.75 + Math.random() * 0.5);
      options.onError(err, n, Math.round(delay));
      await sleepWhile(delay, options.keepGoing);
    }
  }
}

/** Sleeps up to `ms`, waking early (every 100 ms checked) once `keepGoing()` is false. */
export async function sleepWhile(ms: number, keepGoing: () => boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (keepGoing() && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(100, deadline - Date.now())));
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
