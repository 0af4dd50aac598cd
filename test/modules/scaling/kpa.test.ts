import { InputError } from '../../../common/errors';
import type { MetricsSample } from '../../../contracts/scaling';
import { kpa, type KpaParams, type KpaState, type ScalingDecision } from '../../../modules/scaling';
import { T0, sample, series } from './fixtures';

const defaults = kpa.parseParams({});

function decide(params: Partial<KpaParams>, samples: MetricsSample[], now: number, current: number, state?: KpaState): ScalingDecision<KpaState> {
  return kpa.decide({ params: kpa.parseParams(params), samples, now, current, state });
}

/** What the platform hands the module: only the samples within its history. */
function recent(samples: MetricsSample[], now: number, params: KpaParams = defaults): MetricsSample[] {
  return samples.filter((s) => s.at > now - kpa.historyMs(params) && s.at <= now);
}

describe('kpa scaling module', () => {
  describe('parseParams', () => {
    it('applies the defaults, the panic window a tenth of the stable window', () => {
      expect(kpa.parseParams(undefined)).toEqual({
        targetConcurrency: 1,
        minInstances: 0,
        maxInstances: 10,
        stableWindowMs: 60_000,
        panicWindowMs: 6_000,
        panicThreshold: 2,
        scaleToZeroAfterMs: 30_000,
        maxScaleDownRate: 2,
      });
      expect(kpa.parseParams({ stableWindowMs: 20_000 }).panicWindowMs).toBe(2_000);
      expect(kpa.historyMs(defaults)).toBe(60_000);
    });

    it('throws one InputError naming every bad field under params.', () => {
      let error: unknown;
      try {
        kpa.parseParams({ targetConcurrency: 0, minInstances: -1, maxInstances: 5000, maxScaleDownRate: 1, bogus: true });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(InputError);
      const { message, details } = error as InputError;
      const paths = (details?.issues as Array<{ path: string }>).map((i) => i.path);
      expect(paths).toEqual(expect.arrayContaining(['params.targetConcurrency', 'params.minInstances', 'params.maxInstances', 'params.maxScaleDownRate', 'params']));
      expect(message).toMatch(/^Invalid kpa scaling params: /);
      expect(message).toContain('params.targetConcurrency');
      expect(message).toContain("'bogus'");
    });

    it('rejects a max below the min and a panic window not shorter than the stable window', () => {
      expect(() => kpa.parseParams({ minInstances: 5, maxInstances: 2 })).toThrow(/params\.maxInstances: must be at least minInstances \(5\)/);
      expect(() => kpa.parseParams({ stableWindowMs: 10_000, panicWindowMs: 10_000 })).toThrow(/params\.panicWindowMs: must be shorter than stableWindowMs/);
      expect(() => kpa.parseParams({ targetConcurrency: Number.NaN })).toThrow(InputError);
      expect(() => kpa.parseParams('kpa')).toThrow(InputError);
    });
  });

  describe('stable mode', () => {
    it('keeps steady load at average demand over the target', () => {
      const samples = series(T0 - 58_000, T0, () => 4);
      expect(decide({}, samples, T0, 4)).toMatchObject({ desired: 4, mode: 'stable' });
      const decision = decide({ targetConcurrency: 3 }, samples, T0, 2);
      expect(decision).toMatchObject({ desired: 2, mode: 'stable' });
      expect(decision.reason).toBe('stable: 4 in flight/queued on average over the last 60 s needs 2 instances at 3 each (had 2)');
    });

    it('scales up to the rounded-up average', () => {
      const samples = series(T0 - 58_000, T0, (at) => ((at - T0) / 2_000) % 2 === 0 ? 4 : 5);
      const decision = decide({}, samples, T0, 3);
      expect(decision.desired).toBe(5);
      expect(decision.reason).toBe('stable: 4.5 in flight/queued on average over the last 60 s needs 5 instances at 1 each (had 3)');
    });

    it('does not round an exact quotient up (1.1 / 0.1)', () => {
      expect(decide({ targetConcurrency: 0.1, maxInstances: 20 }, [sample(T0, 1.1)], T0, 11).desired).toBe(11);
    });

    it('ignores samples older than the stable window', () => {
      const samples = [...series(T0 - 200_000, T0 - 61_000, () => 9), ...series(T0 - 40_000, T0, () => 2)];
      expect(decide({}, samples, T0, 2).desired).toBe(2);
    });
  });

  describe('panic mode', () => {
    const P = { maxInstances: 50 };
    const steadyThenBurst = [...series(T0 - 58_000, T0 - 6_000, () => 2), ...series(T0 - 4_000, T0, () => 14)];

    it('a burst in the panic window scales up to panic demand in one decision', () => {
      const decision = decide(P, steadyThenBurst, T0, 2);
      expect(decision).toMatchObject({ desired: 14, mode: 'panic' });
      expect(decision.reason).toBe('panic: 14 in flight/queued over the last 6 s needs 14 instances at 1 each (had 2)');
      expect(decision.state).toEqual({ desired: 14, panicUntil: T0 + 60_000, lastDemandAt: T0 });
    });

    it('does not panic below the threshold', () => {
      const samples = [...series(T0 - 58_000, T0 - 6_000, () => 4), ...series(T0 - 4_000, T0, () => 7)];
      expect(decide(P, samples, T0, 4).mode).toBe('stable');
      expect(decide({ panicThreshold: 1.5 }, samples, T0, 4)).toMatchObject({ mode: 'panic', desired: 7 });
    });

    it('never scales down while panicking, and leaves panic a stable window after the last burst', () => {
      const first = decide(P, steadyThenBurst, T0, 2);
      const quiet = [...steadyThenBurst, ...series(T0 + 2_000, T0 + 120_000, () => 1)];

      const during = decide(P, recent(quiet, T0 + 30_000), T0 + 30_000, 14, first.state);
      expect(during).toMatchObject({ desired: 14, mode: 'panic' });
      expect(during.reason).toBe(
        'panic for another 30 s: 1 in flight/queued over the last 6 s needs 1 instance at 1 each (had 14); keeping 14: no scale-down while panicking',
      );
      expect(during.state.panicUntil).toBe(T0 + 60_000);

      const after = decide(P, recent(quiet, T0 + 60_000), T0 + 60_000, 14, during.state);
      expect(after.mode).toBe('stable');
      expect(after.desired).toBe(7);
      expect(after.reason).toContain('scale-down limited to 7 (at most ÷2 per decision)');
    });

    it('a second burst extends panic', () => {
      const first = decide(P, steadyThenBurst, T0, 2);
      const again = [...steadyThenBurst, ...series(T0 + 2_000, T0 + 50_000, (at) => (at > T0 + 44_000 ? 40 : 1))];
      const decision = decide({ maxInstances: 30 }, recent(again, T0 + 50_000), T0 + 50_000, 14, first.state);
      expect(decision).toMatchObject({ desired: 30, mode: 'panic' });
      expect(decision.reason).toBe('panic: 40 in flight/queued over the last 6 s needs 40 instances at 1 each (had 14); capped at maxInstances 30');
      expect(decision.state.panicUntil).toBe(T0 + 110_000);
    });
  });

  describe('idle and scale to zero', () => {
    const params = { scaleToZeroAfterMs: 30_000 };
    const busyUntilT0 = series(T0 - 58_000, T0, () => 1);

    function at(now: number, current: number, state?: KpaState): ScalingDecision<KpaState> {
      const samples = [...busyUntilT0, ...series(T0 + 2_000, now, () => 0)];
      return decide(params, recent(samples, now), now, current, state);
    }

    it('keeps an instance until nothing ran for scaleToZeroAfterMs, then goes to zero', () => {
      const before = at(T0 + 28_000, 1);
      expect(before).toMatchObject({ desired: 1, mode: 'stable' });
      const after = at(T0 + 30_000, 1, before.state);
      expect(after).toMatchObject({ desired: 0, mode: 'idle' });
      expect(after.reason).toBe('idle: no demand for 30 s (scale to zero after 30 s) needs 0 instances (had 1)');
    });

    it('remembers the last demand past the stable window when the idle period is longer', () => {
      const long = { scaleToZeroAfterMs: 120_000 };
      const first = decide(long, busyUntilT0, T0, 1);
      const quiet = series(T0 + 2_000, T0 + 200_000, () => 0);

      const later = decide(long, recent(quiet, T0 + 100_000), T0 + 100_000, 1, first.state);
      expect(later).toMatchObject({ desired: 1, mode: 'stable' });
      expect(later.reason).toBe(
        'stable: 0 in flight/queued on average over the last 60 s needs 0 instances at 1 each (had 1); keeping 1 warm: demand 100 s ago, scale to zero after 120 s idle',
      );
      const gone = decide(long, recent(quiet, T0 + 120_000), T0 + 120_000, 1, later.state);
      expect(gone).toMatchObject({ desired: 0, mode: 'idle' });
    });

    it('keeps minInstances when idle', () => {
      const decision = decide({ minInstances: 2 }, series(T0 - 58_000, T0, () => 0), T0, 2);
      expect(decision).toMatchObject({ desired: 2, mode: 'idle' });
      expect(decision.reason).toBe('idle: no demand seen (scale to zero after 30 s) needs 0 instances (had 2); raised to minInstances 2');
    });

    it('does not go idle while something runs now, even with scaleToZeroAfterMs 0', () => {
      expect(decide({ scaleToZeroAfterMs: 0 }, [sample(T0, 1)], T0, 1)).toMatchObject({ desired: 1, mode: 'stable' });
      expect(decide({ scaleToZeroAfterMs: 0 }, [sample(T0 - 2_000, 1), sample(T0, 0, { arrivals: 0 })], T0, 1)).toMatchObject({ desired: 0, mode: 'idle' });
    });
  });

  describe('bounds', () => {
    it('scales down at most by maxScaleDownRate per decision', () => {
      const idle = series(T0 - 58_000, T0, () => 0);
      const steps: number[] = [];
      let current = 10;
      let state: KpaState | undefined;
      for (let i = 0; i < 5; i += 1) {
        const decision = decide({}, idle, T0, current, state);
        steps.push(decision.desired);
        ({ state } = decision);
        current = decision.desired;
      }
      expect(steps).toEqual([5, 2, 1, 0, 0]);
      expect(decide({ maxScaleDownRate: 4 }, series(T0 - 58_000, T0, () => 1), T0, 8).desired).toBe(2);
    });

    it('clamps to [minInstances, maxInstances]', () => {
      const heavy = series(T0 - 58_000, T0, () => 50);
      const capped = decide({ maxInstances: 8 }, heavy, T0, 8);
      expect(capped.desired).toBe(8);
      expect(capped.reason).toContain('capped at maxInstances 8');
      expect(decide({ minInstances: 3, maxInstances: 3 }, [], T0, 0).desired).toBe(3);
      expect(decide({ minInstances: 3 }, series(T0 - 58_000, T0, () => 1), T0, 3).desired).toBe(3);
      expect(decide({ maxInstances: 4 }, series(T0 - 58_000, T0, () => 1), T0, 20).desired).toBe(4);
    });
  });

  describe('queued async invocations', () => {
    it('wake a function at zero', () => {
      const waiting = [...series(T0 - 58_000, T0 - 2_000, () => 0), sample(T0, 0, { queued: 1, arrivals: 1, queueWaitMs: 900 })];
      expect(decide({}, waiting, T0, 0)).toMatchObject({ desired: 1, mode: 'stable' });
    });

    it('count as demand in a burst', () => {
      const decision = decide({}, [sample(T0, 1, { queued: 5 })], T0, 0);
      expect(decision).toMatchObject({ desired: 6, mode: 'panic' });
      expect(decision.reason).toBe('panic: 6 in flight/queued over the last 6 s needs 6 instances at 1 each (had 0)');
    });
  });

  describe('robustness', () => {
    it('keeps what it had when there are no metrics', () => {
      expect(decide({}, [], T0, 3)).toMatchObject({ desired: 3, mode: 'stable', reason: 'stable: no metrics in the last 60 s, keeping 3 (had 3)' });
      expect(decide({}, [], T0, 1, { desired: 4 }).desired).toBe(4);
      expect(decide({}, [], T0, 0).desired).toBe(0);
    });

    it('never returns NaN for bad numbers or a foreign state', () => {
      const junk = [sample(Number.NaN, 3), sample(T0, Number.NaN, { queued: -4, arrivals: Number.POSITIVE_INFINITY })];
      const foreign = { desired: Number.NaN, panicUntil: 'soon', lastDemandAt: null } as unknown as KpaState;
      for (const current of [Number.NaN, -1, 2.7]) {
        const decision = decide({}, junk, T0, current, foreign);
        expect(Number.isInteger(decision.desired)).toBe(true);
        expect(decision.reason).not.toMatch(/NaN|Infinity|undefined/);
        expect(JSON.parse(JSON.stringify(decision.state))).toEqual(decision.state);
      }
      const noClock = decide({}, junk, Number.NaN, 2);
      expect(noClock.desired).toBe(2);
    });
  });
});
