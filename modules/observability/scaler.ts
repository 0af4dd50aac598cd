import { Gauge, type Registry } from 'prom-client';
import { OTHER } from './labels';

/** Where the scaler's decisions are recorded (activities/scaling.ts `decideScaling`). */
export interface ScalerRecorder {
  /** One decision: the instances the function's scaling module wants, and the warm instances it had. */
  decided(functionName: string, desired: number, current: number): void;
}

export const NO_SCALER_METRICS: ScalerRecorder = Object.freeze({ decided() {} });

/**
 * A decision older than this is no longer shown: the function fell asleep (its last decision
 * was 0 and 0), was deleted, or its scaler shard now runs in another process, which reports it.
 * Awake functions are decided every tick (2 s).
 */
export const SCALER_STALE_MS = 60_000;

/**
 * `pyfaas_scaler_desired_instances{function}` and `pyfaas_scaler_current_instances{function}`:
 * the last decision of each function whose scaler shard ran in this process, read at scrape
 * time. At most `maxSeries` functions have series of their own; the rest add up under `_other`.
 */
export class ScalerMetrics implements ScalerRecorder {
  private readonly last = new Map<string, { desired: number; current: number; at: number }>();

  constructor(registry: Registry, private readonly maxSeries: number, private readonly now: () => number = Date.now) {
    const read = (pick: 'desired' | 'current') =>
      function collect(this: Gauge) {
        this.reset();
        for (const [fn, value] of metrics.current()) this.inc({ function: fn }, value[pick]);
      };
    const metrics = this;
    new Gauge({ name: 'pyfaas_scaler_desired_instances', help: "Warm instances the function's scaling module wants (its last decision in this process)", labelNames: ['function'], registers: [registry], collect: read('desired') });
    new Gauge({ name: 'pyfaas_scaler_current_instances', help: 'Warm instances the function had when the scaler last decided', labelNames: ['function'], registers: [registry], collect: read('current') });
  }

  decided(functionName: string, desired: number, current: number): void {
    this.last.delete(functionName); // re-inserted last: the map stays in decision order
    this.last.set(functionName, { desired, current, at: this.now() });
  }

  /** The fresh decisions by label, stale ones dropped. */
  private current(): Map<string, { desired: number; current: number }> {
    const fresh = new Map<string, { desired: number; current: number }>();
    const oldest = this.now() - SCALER_STALE_MS;
    for (const [fn, value] of this.last) {
      if (value.at < oldest) {
        this.last.delete(fn);
        continue;
      }
      const label = fresh.size < this.maxSeries || fresh.has(fn) ? fn : OTHER;
      const sum = fresh.get(label) ?? { desired: 0, current: 0 };
      fresh.set(label, { desired: sum.desired + value.desired, current: sum.current + value.current });
    }
    return fresh;
  }
}
