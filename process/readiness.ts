export type CheckStatus = 'ok' | 'failed';

export interface CheckReport {
  status: CheckStatus;
  latencyMs: number;
  error?: string;
  /** What a check that returned a `CheckOutcome` adds (e.g. each supervised service's state). */
  detail?: Record<string, unknown>;
}

export interface ReadinessReport {
  status: CheckStatus;
  checks: Record<string, CheckReport>;
}

/**
 * A dependency check: resolves when the dependency answers, throws when it does not. What
 * it resolves with is ignored unless it is a `CheckOutcome`.
 */
export type Check = () => Promise<unknown>;

/**
 * What a check resolves with to report details, and to fail with them: the report then
 * carries `detail`, and `error` (when set) fails the check as a throw would.
 */
export class CheckOutcome {
  constructor(
    readonly detail: Record<string, unknown>,
    readonly error?: string,
  ) {}
}

/**
 * Runs every dependency check at once, each bounded by a timeout, and reports each as
 * ok/failed with its latency. The whole report is ok only when every check is.
 */
export class Readiness {
  constructor(
    private readonly checks: Record<string, Check>,
    private readonly timeoutMs = 2000,
  ) {}

  async report(): Promise<ReadinessReport> {
    const entries = await Promise.all(Object.entries(this.checks).map(async ([name, check]) => [name, await this.run(check)] as const));
    const checks = Object.fromEntries(entries);
    const status = entries.every(([, r]) => r.status === 'ok') ? 'ok' : 'failed';
    return { status, checks };
  }

  private async run(check: Check): Promise<CheckReport> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      });
      const outcome = await Promise.race([check(), timeout]);
      if (!(outcome instanceof CheckOutcome)) return { status: 'ok', latencyMs: elapsed(started) };
      const { error, detail } = outcome;
      return error === undefined ? { status: 'ok', latencyMs: elapsed(started), detail } : { status: 'failed', latencyMs: elapsed(started), error, detail };
    } catch (err) {
      return { status: 'failed', latencyMs: elapsed(started), error: (err as Error).message };
    } finally {
      clearTimeout(timer);
    }
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}
