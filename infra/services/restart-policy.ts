export interface RestartPolicyOptions {
  /** The wait before the first restart; each further failure in the window doubles it. */
  initialDelayMs: number;
  /** The longest wait between restarts. */
  maxDelayMs: number;
  /** Restarts allowed within `windowMs`; the failure after them gives up. */
  maxRestarts: number;
  windowMs: number;
}

export const DEFAULT_RESTART_POLICY: Readonly<RestartPolicyOptions> = Object.freeze({
  initialDelayMs: 1000,
  maxDelayMs: 30_000,
  maxRestarts: 5,
  windowMs: 60_000,
});

export type RestartDecision =
  /** `attempt` counts the failures within the window, this one included (1 for the first). */
  | { action: 'restart'; attempt: number; delayMs: number }
  | { action: 'give-up'; failures: number; windowMs: number };

/**
 * When to restart one service that died, like systemd's `Restart=` with
 * `StartLimitBurst`/`StartLimitIntervalSec`: exponential backoff, and a give-up once a
 * service has failed more than `maxRestarts` times within `windowMs`. The window runs on
 * the service's own time: the backoff waits this policy prescribed are left out, or the
 * growing waits would spread a crash loop past any window and it would never give up
 * (5 waits of 1…16 s are already 31 s of a 60 s window). Failures older than the window
 * are forgotten, so a service that ran a while starts again at the first delay.
 * Pure: the caller passes the clock and waits as told.
 */
export class RestartPolicy {
  private readonly options: RestartPolicyOptions;
  /** When each failure within the window happened, on the service's clock. */
  private failures: number[] = [];
  private waitedMs = 0;

  constructor(options: Partial<RestartPolicyOptions> = {}) {
    this.options = { ...DEFAULT_RESTART_POLICY, ...options };
  }

  /** Records a failure at `now` (ms) and says whether to restart, and after how long. */
  onFailure(now: number): RestartDecision {
    const { initialDelayMs, maxDelayMs, maxRestarts, windowMs } = this.options;
    const at = now - this.waitedMs;
    this.failures = this.failures.filter((failure) => at - failure < windowMs);
    this.failures.push(at);
    const attempt = this.failures.length;
    if (attempt > maxRestarts) return { action: 'give-up', failures: attempt, windowMs };
    const delayMs = Math.min(initialDelayMs * 2 ** (attempt - 1), maxDelayMs);
    this.waitedMs += delayMs;
    return { action: 'restart', attempt, delayMs };
  }
}
