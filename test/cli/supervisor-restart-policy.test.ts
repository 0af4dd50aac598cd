import { DEFAULT_RESTART_POLICY, RestartPolicy, type RestartDecision } from '../../infra/services/restart-policy';

/**
 * A service that dies `runMs` after each start, restarted as the policy says: the next
 * failure comes after the prescribed wait plus the run. Returns every decision up to the
 * first give-up (or `limit` of them).
 */
function crashLoop(policy: RestartPolicy, runMs: number, limit = 20): { decisions: RestartDecision[]; wallMs: number } {
  const decisions: RestartDecision[] = [];
  let now = 0;
  for (let i = 0; i < limit; i += 1) {
    const decision = policy.onFailure(now);
    decisions.push(decision);
    if (decision.action === 'give-up') break;
    now += decision.delayMs + runMs;
  }
  return { decisions, wallMs: now };
}

const delaysOf = (decisions: RestartDecision[]) => decisions.map((d) => (d.action === 'restart' ? d.delayMs : 'give-up'));

describe('RestartPolicy', () => {
  it('defaults to a 1 s first delay, doubling to 30 s at most, and 5 restarts within 60 s', () => {
    expect(DEFAULT_RESTART_POLICY).toEqual({ initialDelayMs: 1000, maxDelayMs: 30_000, maxRestarts: 5, windowMs: 60_000 });
  });

  it('doubles the delay with each failure in the window, capped', () => {
    const { decisions } = crashLoop(new RestartPolicy({ maxRestarts: 7, maxDelayMs: 10_000 }), 100);
    expect(decisions.slice(0, 3)).toEqual([
      { action: 'restart', attempt: 1, delayMs: 1000 },
      { action: 'restart', attempt: 2, delayMs: 2000 },
      { action: 'restart', attempt: 3, delayMs: 4000 },
    ]);
    expect(delaysOf(decisions)).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000, 10_000, 'give-up']);
  });

  it('gives up on the failure after 5 restarts of a service that dies at once', () => {
    const { decisions } = crashLoop(new RestartPolicy(), 100);
    expect(delaysOf(decisions)).toEqual([1000, 2000, 4000, 8000, 16_000, 'give-up']);
    expect(decisions.at(-1)).toEqual({ action: 'give-up', failures: 6, windowMs: 60_000 });
  });

  it('does not let its own waits hide a crash loop: a slow start that always fails still gives up', () => {
    // 9 s to fail each time: 76 s of wall clock, but 45 s of the service's own time.
    const { decisions, wallMs } = crashLoop(new RestartPolicy(), 9000);
    expect(delaysOf(decisions)).toEqual([1000, 2000, 4000, 8000, 16_000, 'give-up']);
    expect(wallMs).toBeGreaterThan(60_000);
  });

  it('keeps restarting, never past a short delay, a service that runs a while between failures', () => {
    const { decisions } = crashLoop(new RestartPolicy(), 25_000, 12);
    expect(decisions.every((d) => d.action === 'restart')).toBe(true);
    expect(delaysOf(decisions)).toEqual([1000, 2000, 4000, 4000, 4000, 4000, 4000, 4000, 4000, 4000, 4000, 4000]);
  });

  it('forgets failures older than the window, so a service that ran longer than it starts over at the first delay', () => {
    const policy = new RestartPolicy();
    for (const now of [0, 1_100, 3_200, 7_300]) policy.onFailure(now);
    expect(policy.onFailure(7_300 + 8_000 + 61_000)).toEqual({ action: 'restart', attempt: 1, delayMs: 1000 });
  });

  it('keeps each instance to its own service', () => {
    const kafka = new RestartPolicy({ maxRestarts: 1 });
    const temporal = new RestartPolicy({ maxRestarts: 1 });
    kafka.onFailure(0);
    expect(kafka.onFailure(1010).action).toBe('give-up');
    expect(temporal.onFailure(1010)).toEqual({ action: 'restart', attempt: 1, delayMs: 1000 });
  });
});
