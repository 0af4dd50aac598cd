/**
 * The scaling kind contract (DESIGN §1: Scaling is logic an administrator may replace).
 * A scaling module is a pure function from a function's recent metrics to the number of warm
 * instances it should have: no I/O, no clock, no randomness, so the scaler workflow can call
 * it deterministically and tests can drive it with plain objects. Everything here is
 * JSON-serialisable because it travels through Temporal workflow history. What a module decides
 * from and remembers (MetricsSample, ScalingState) and the policy naming it (ScalingPolicy) are
 * shared with the scaler workflow, so they live in contracts/scaling.ts.
 */
import type { MetricsSample, ScalingState } from '../../contracts/scaling';

/** Most warm instances any scaling policy may ask for, all nodes together. */
export const MAX_INSTANCES = 1000;

export interface ScalingInput<P = unknown, S extends ScalingState = ScalingState> {
  /** The policy's parameters, as `parseParams` returned them. */
  params: P;
  /** Samples oldest first, covering at least the module's `historyMs`; may be empty. */
  samples: MetricsSample[];
  /** The decision's time, epoch ms (the workflow's clock, not the machine's). */
  now: number;
  /**
   * Warm instances the platform keeps now for the function, all nodes: the last decision in
   * force. Instances an invocation started on demand beyond it are not counted (their work is
   * in the samples' demand), so a burst served by on-demand cold starts still reads as a burst.
   */
  current: number;
  /** The state this module returned last time; absent on the first decision and after the policy names another module. */
  state?: S;
}

export type ScalingMode = 'stable' | 'panic' | 'idle' | 'fixed';

export interface ScalingDecision<S extends ScalingState = ScalingState> {
  /** Warm instances wanted, all nodes: a whole number ≥ 0. */
  desired: number;
  /** Instances wanted per node id; when absent the platform spreads `desired` with `distribute()`. */
  perNode?: Record<string, number>;
  /** One sentence saying why, shown in the Temporal UI and the function's scaling history. */
  reason: string;
  /** Which rule decided. */
  mode: ScalingMode;
  /** Handed back as `input.state` on the next decision. */
  state: S;
}

/** One scaling module (kind `scaling`). */
export interface ScalingModule<P = unknown, S extends ScalingState = ScalingState> {
  /** The id a policy names, e.g. `kpa`. */
  readonly id: string;
  /** Validates the policy's params and applies defaults; throws InputError listing every bad field as `params.<field>`. */
  parseParams(params: unknown): P;
  /** How far back, in ms, the samples given to `decide` must reach for these params. */
  historyMs(params: P): number;
  /** The decision for this moment; pure and total (never throws for any samples, current or state). */
  decide(input: ScalingInput<P, S>): ScalingDecision<S>;
}
