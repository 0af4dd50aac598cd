import path from 'node:path';
import { InputError } from '../../common/errors';
import { silentLogger } from '../../common/logger';
import type { MetricsSample } from '../../contracts/scaling';
import { validateModuleConfig } from '../../modules/config-schema';
import { loadModulePackage } from '../../modules/package';
import { ModuleRegistry } from '../../modules/registry';
import type { ScalingDecision, ScalingModule } from '../../modules/scaling/contract';
import { selfCheck } from '../../modules/self-check';

const PACKAGE_DIR = path.join(__dirname, '../../hub-modules/scaling-rate');
const T0 = Date.UTC(2025, 0, 1);
const STEP = 2000;

type Params = { targetRatePerInstance: number; windowSeconds: number; minInstances: number; maxInstances: number; scaleDownDelaySeconds: number };
type State = { desired: number; lowerSince?: number };

/** Samples every 2 s from `from` to `to` inclusive, each with `perSecond(at) * 2` arrivals since the one before. */
function series(from: number, to: number, perSecond: (at: number) => number): MetricsSample[] {
  const samples: MetricsSample[] = [];
  for (let at = from; at <= to; at += STEP) samples.push({ at, inFlight: 0, queued: 0, arrivals: perSecond(at) * (STEP / 1000), coldStarts: 0, instances: {} });
  return samples;
}

describe('hub module scaling/rate', () => {
  let rate: ScalingModule<Params, State>;
  let manifest: Awaited<ReturnType<typeof loadModulePackage>>['manifest'];

  beforeAll(async () => {
    const module = await loadModulePackage(PACKAGE_DIR);
    expect(module.packageName).toBe('pyfaas-scaling-rate');
    manifest = module.manifest;
    rate = new ModuleRegistry({ logger: silentLogger(), dataDir: '/nonexistent' }).build<ScalingModule<Params, State>>(module);
  });

  /** Decides as the scaler does: only the samples within the module's history reach it. */
  function decide(params: Partial<Params>, samples: MetricsSample[], now: number, current: number, state?: State): ScalingDecision<State> {
    const parsed = rate.parseParams({ targetRatePerInstance: 10, ...params });
    const recent = samples.filter((s) => s.at >= now - rate.historyMs(parsed) && s.at <= now);
    return rate.decide({ params: parsed, samples: recent, now, current, state });
  }

  /** Runs decisions every 2 s over the samples, carrying state and current like the scaler. */
  function run(params: Partial<Params>, samples: MetricsSample[], from: number, to: number, start = 0): Array<{ at: number; decision: ScalingDecision<State> }> {
    const out: Array<{ at: number; decision: ScalingDecision<State> }> = [];
    let current = start;
    let state: State | undefined;
    for (let at = from; at <= to; at += STEP) {
      const decision = decide(params, samples, at, current, state);
      out.push({ at, decision });
      current = decision.desired;
      state = decision.state;
    }
    return out;
  }

  it('is a scaling module named rate that passes the contract self-check', () => {
    expect(manifest).toMatchObject({ kind: 'scaling', id: 'rate', version: '0.1.0', platform: '^0.1.0' });
    expect(() => selfCheck(manifest, rate)).not.toThrow();
  });

  describe('parseParams', () => {
    it('applies the defaults', () => {
      expect(rate.parseParams({ targetRatePerInstance: 5 })).toEqual({ targetRatePerInstance: 5, windowSeconds: 60, minInstances: 0, maxInstances: 100, scaleDownDelaySeconds: 30 });
      expect(rate.historyMs(rate.parseParams({ targetRatePerInstance: 5, windowSeconds: 10 }))).toBe(10_000);
    });

    it('throws one InputError naming every bad field under params.', () => {
      let error: any;
      try {
        rate.parseParams({ targetRatePerInstance: 0, windowSeconds: 5, minInstances: -1, maxInstances: 1001, bogus: 1 });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(InputError);
      const paths = error.details.issues.map((issue: { path: string }) => issue.path);
      expect(paths).toEqual(expect.arrayContaining(['params.targetRatePerInstance', 'params.windowSeconds', 'params.minInstances', 'params.maxInstances', 'params']));
      expect(() => rate.parseParams({})).toThrow(/params.targetRatePerInstance/);
      expect(() => rate.parseParams({ targetRatePerInstance: 1, minInstances: 5, maxInstances: 2 })).toThrow(/params.maxInstances: must be at least minInstances \(5\)/);
      expect(() => rate.parseParams({ targetRatePerInstance: 1, windowSeconds: 3601 })).toThrow(InputError);
    });

    it('declares a configSchema that agrees with parseParams', () => {
      expect(validateModuleConfig(manifest, { targetRatePerInstance: 2 }, 'scaling.params')).toEqual({
        targetRatePerInstance: 2, windowSeconds: 60, minInstances: 0, maxInstances: 100, scaleDownDelaySeconds: 30,
      });
      for (const bad of [{}, { targetRatePerInstance: 0 }, { targetRatePerInstance: 1, windowSeconds: 5 }, { targetRatePerInstance: 1, maxInstances: 1001 }, { targetRatePerInstance: 1, extra: true }]) {
        expect(() => validateModuleConfig(manifest, bad, 'scaling.params')).toThrow(InputError);
        expect(() => rate.parseParams(bad)).toThrow(InputError);
      }
    });
  });

  describe('decide', () => {
    it('wants ceil(rate over the window / target)', () => {
      const samples = series(T0, T0 + 60_000, () => 25); // 25/s
      const decision = decide({ targetRatePerInstance: 10 }, samples, T0 + 60_000, 0);
      expect(decision).toMatchObject({ desired: 3, mode: 'stable', state: { desired: 3 } });
      expect(decision.reason).toMatch(/^25\/s over the last 58 s needs 3 instances at 10\/s each \(had 0\)/);
      // An exact multiple does not round up: 30/s at 10/s is 3, not 4.
      expect(decide({ targetRatePerInstance: 0.1 }, series(T0, T0 + 60_000, () => 0.3), T0 + 60_000, 0).desired).toBe(3);
    });

    it('averages over windowSeconds only: older arrivals do not count', () => {
      // 100/s until T0+40 s, nothing after: a 10 s window at T0+60 s sees 0/s; a 60 s window sees the old burst.
      const samples = series(T0, T0 + 60_000, (at) => (at <= T0 + 40_000 ? 100 : 0));
      expect(decide({ windowSeconds: 10, scaleDownDelaySeconds: 0 }, samples, T0 + 60_000, 0).desired).toBe(0);
      // 19 samples × 200 arrivals after the first in the window, over 58 s: 65.5/s at 10/s each.
      expect(decide({ windowSeconds: 60, scaleDownDelaySeconds: 0 }, samples, T0 + 60_000, 0).desired).toBe(7);
    });

    it('measures a function that just woke over the time its samples cover, not the whole window', () => {
      const samples = series(T0, T0 + 4_000, () => 40); // three samples, 4 s
      expect(decide({ targetRatePerInstance: 10, windowSeconds: 60 }, samples, T0 + 4_000, 0)).toMatchObject({ desired: 4 });
    });

    it('keeps its last decision with fewer than two samples (no rate yet)', () => {
      const one = series(T0, T0, () => 1000);
      const decision = decide({}, one, T0, 2, { desired: 5 });
      expect(decision).toMatchObject({ desired: 5, mode: 'stable' });
      expect(decision.reason).toMatch(/no rate yet/);
      expect(decide({}, [], T0, 3).desired).toBe(3);
    });

    it('clamps to minInstances and maxInstances (the maximum wins)', () => {
      expect(decide({ minInstances: 2 }, series(T0, T0 + 10_000, () => 0), T0 + 10_000, 0)).toMatchObject({ desired: 2, mode: 'stable' });
      const capped = decide({ targetRatePerInstance: 1, maxInstances: 4 }, series(T0, T0 + 10_000, () => 50), T0 + 10_000, 0);
      expect(capped.desired).toBe(4);
      expect(capped.reason).toMatch(/capped at maxInstances 4/);
      // A last decision above a lowered maximum is not kept by the scale-down delay.
      expect(decide({ maxInstances: 2 }, series(T0, T0 + 10_000, () => 0), T0 + 10_000, 8, { desired: 8 }).desired).toBe(2);
    });

    it('scales up at once and down only after the rate stayed lower for scaleDownDelaySeconds', () => {
      // 50/s for 20 s, then 0: with a 10 s window and 10 s delay, the drop waits 10 s after the rate first wants fewer.
      const samples = series(T0, T0 + 80_000, (at) => (at <= T0 + 20_000 ? 50 : 0));
      const decisions = run({ targetRatePerInstance: 10, windowSeconds: 10, scaleDownDelaySeconds: 10 }, samples, T0 + 2_000, T0 + 80_000);
      const at = (t: number) => decisions.find((d) => d.at === T0 + t)!.decision;
      expect(at(2_000).desired).toBe(5); // the first decision with two samples
      expect(at(20_000).desired).toBe(5);
      // From T0+22 s the window holds fewer arrivals and wants fewer: held at 5 for 10 s.
      const firstLower = decisions.find((d) => d.decision.state.lowerSince !== undefined)!;
      expect(firstLower.at).toBe(T0 + 22_000);
      expect(firstLower.decision).toMatchObject({ desired: 5, state: { desired: 5, lowerSince: T0 + 22_000 } });
      expect(firstLower.decision.reason).toMatch(/keeping 5 until the rate stays lower for 10 s/);
      expect(at(30_000).desired).toBe(5);
      const dropped = at(32_000);
      expect(dropped.desired).toBeLessThan(5);
      expect(dropped.state.lowerSince).toBeUndefined();
      expect(at(80_000)).toMatchObject({ desired: 0, mode: 'idle' });
    });

    it('restarts the delay when the rate comes back up in between', () => {
      const params = { targetRatePerInstance: 10, windowSeconds: 6, scaleDownDelaySeconds: 10 };
      const low = series(T0, T0 + 6_000, () => 10);
      const held = decide(params, low, T0 + 6_000, 5, { desired: 5, lowerSince: T0 });
      expect(held).toMatchObject({ desired: 5, state: { lowerSince: T0 } });
      const burst = series(T0, T0 + 6_000, () => 60);
      const up = decide(params, burst, T0 + 6_000, 5, { desired: 5, lowerSince: T0 });
      expect(up).toMatchObject({ desired: 6, state: { desired: 6 } });
      expect(up.state.lowerSince).toBeUndefined();
    });

    it('drops at once with scaleDownDelaySeconds 0', () => {
      expect(decide({ scaleDownDelaySeconds: 0 }, series(T0, T0 + 10_000, () => 10), T0 + 10_000, 9, { desired: 9 }).desired).toBe(1);
    });

    it('is total: malformed samples, current and state give a whole-number decision', () => {
      const params = rate.parseParams({ targetRatePerInstance: 3 });
      const garbage = [
        { at: NaN, arrivals: 5 }, { at: T0, arrivals: -4 }, { at: T0 + 2000, arrivals: 'x' }, null, { at: T0 + 4000, arrivals: Infinity }, { at: T0 + 9e15, arrivals: 1 },
      ] as unknown as MetricsSample[];
      for (const state of [undefined, null, 'x', { desired: -3, lowerSince: 'y' }, { desired: 1e9 }, { desired: 2, lowerSince: T0 + 1e12 }] as unknown as State[]) {
        for (const current of [0, -1, NaN, 2.7, 5000]) {
          const decision = rate.decide({ params, samples: garbage, now: T0 + 4000, current, state });
          expect(Number.isInteger(decision.desired)).toBe(true);
          expect(decision.desired).toBeGreaterThanOrEqual(0);
          expect(decision.desired).toBeLessThanOrEqual(100);
          expect(JSON.parse(JSON.stringify(decision.state))).toEqual(decision.state);
        }
      }
    });
  });
});
