/**
 * `kpa`: the default scaling module, concurrency-based in the spirit of Knative's KPA
 * (knative/serving pkg/autoscaler/scaling/autoscaler.go).
 *
 * Demand is what is running plus what waits: `inFlight + queued` (async invocations in the
 * queue count, so a function at zero wakes for them). Each decision:
 *
 * 1. stable wants ceil(average demand over the stable window / targetConcurrency);
 *    panic wants the same over the short panic window.
 * 2. Panic starts when panic wants ≥ panicThreshold × max(current, 1) and lasts a stable
 *    window after the last time that held. While panicking the module never scales down: it
 *    wants the most of panic, stable, the previous decision and current.
 * 3. Otherwise, when nothing ran, waited or arrived for scaleToZeroAfterMs (and nothing does
 *    now), the function is idle and wants 0; while there was demand that recently it keeps
 *    at least 1 even when the stable average rounds to 0.
 * 4. The result is raised to minInstances; outside panic it is then kept at or above
 *    floor(current / maxScaleDownRate), so one decision at most halves (by default) the
 *    instances; last, it is capped at maxInstances, which wins over the scale-down bound.
 *
 * With no sample in the stable window the module has nothing to go on and keeps what it had.
 */
import { z } from 'zod';
import type { MetricsSample, ScalingState } from '../../contracts/scaling';
import { MAX_INSTANCES, type ScalingDecision, type ScalingInput, type ScalingModule } from './contract';
import { parseInput } from '../../common/validation';
import { count, formatNumber, formatSeconds } from './parse';

const HOUR_MS = 3_600_000;
/** Keeps float division from pushing an exact quotient over an integer (1.1 / 0.1 = 11.000000000000002). */
const EPSILON = 1e-9;

const kpaParamsSchema = z
  .object({
    targetConcurrency: z.number().positive().max(MAX_INSTANCES).default(1),
    minInstances: z.number().int().min(0).max(MAX_INSTANCES).default(0),
    maxInstances: z.number().int().min(1).max(MAX_INSTANCES).default(10),
    stableWindowMs: z.number().int().min(1_000).max(HOUR_MS).default(60_000),
    panicWindowMs: z.number().int().min(100).max(HOUR_MS).optional(),
    panicThreshold: z.number().min(1.1).max(10).default(2),
    scaleToZeroAfterMs: z.number().int().min(0).max(24 * HOUR_MS).default(30_000),
    maxScaleDownRate: z.number().gt(1).max(MAX_INSTANCES).default(2),
  })
  .strict()
  // Knative's default panic window is a tenth of the stable window: 6 s for the default 60 s.
  .transform((p) => ({ ...p, panicWindowMs: p.panicWindowMs ?? Math.round(p.stableWindowMs / 10) }))
  .superRefine((p, ctx) => {
    if (p.maxInstances < p.minInstances) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['maxInstances'], message: `must be at least minInstances (${p.minInstances})` });
    }
    if (p.panicWindowMs >= p.stableWindowMs) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['panicWindowMs'], message: `must be shorter than stableWindowMs (${p.stableWindowMs})` });
    }
  });

export type KpaParams = z.output<typeof kpaParamsSchema>;

export interface KpaState extends ScalingState {
  /** Panic lasts until this time (epoch ms) unless another burst extends it. */
  panicUntil?: number;
  /** The last sample time that showed anything running, queued or arriving. */
  lastDemandAt?: number;
}

export const kpa: ScalingModule<KpaParams, KpaState> = {
  id: 'kpa',
  parseParams: (params) => parseInput(kpaParamsSchema, params ?? {}, 'kpa scaling params', 'params'),
  historyMs: (params) => params.stableWindowMs,
  decide,
};

function decide({ params: p, samples, now, current, state }: ScalingInput<KpaParams, KpaState>): ScalingDecision<KpaState> {
  const had = Math.floor(count(current));
  const previous = readState(state);
  const stable = within(samples, now, p.stableWindowMs);
  const lastDemandAt = latestDemand(samples, previous.lastDemandAt);
  // The minimum first, then the scale-down bound (outside panic), then the maximum, which wins.
  const settle = (wanted: number, notes: string[], boundDown: boolean): number => {
    let desired = wanted;
    if (desired < p.minInstances) {
      desired = p.minInstances;
      notes.push(`raised to minInstances ${p.minInstances}`);
    }
    const slowest = Math.floor(had / p.maxScaleDownRate);
    if (boundDown && desired < slowest) {
      desired = slowest;
      notes.push(`scale-down limited to ${slowest} (at most ÷${formatNumber(p.maxScaleDownRate)} per decision)`);
    }
    if (desired > p.maxInstances) {
      desired = p.maxInstances;
      notes.push(`capped at maxInstances ${p.maxInstances}`);
    }
    return desired;
  };
  const decision = (mode: ScalingDecision['mode'], head: string, desired: number, notes: string[], panicUntil?: number): ScalingDecision<KpaState> => ({
    desired,
    mode,
    reason: [`${head} (had ${had})`, ...notes].join('; '),
    state: compact({ desired, panicUntil, lastDemandAt }),
  });

  if (stable.length === 0) {
    const notes: string[] = [];
    const desired = settle(previous.desired ?? had, notes, false);
    return decision('stable', `stable: no metrics in the last ${formatSeconds(p.stableWindowMs)}, keeping ${desired}`, desired, notes);
  }

  const stableDemand = average(stable);
  const panicDemand = average(within(samples, now, p.panicWindowMs));
  const stableWanted = instancesFor(stableDemand, p.targetConcurrency);
  const panicWanted = instancesFor(panicDemand, p.targetConcurrency);
  const target = formatNumber(p.targetConcurrency);

  const bursting = panicWanted >= p.panicThreshold * Math.max(had, 1);
  const panicUntil = bursting ? now + p.stableWindowMs : stillPanicking(previous.panicUntil, now, p.stableWindowMs);
  if (panicUntil !== undefined) {
    const notes: string[] = [];
    const wanted = Math.max(panicWanted, stableWanted, previous.desired ?? 0, had);
    if (wanted > panicWanted) notes.push(`keeping ${wanted}: no scale-down while panicking`);
    const head = bursting
      ? `panic: ${formatNumber(panicDemand)} in flight/queued over the last ${formatSeconds(p.panicWindowMs)} needs ${instances(panicWanted)} at ${target} each`
      : `panic for another ${formatSeconds(panicUntil - now)}: ${formatNumber(panicDemand)} in flight/queued over the last ${formatSeconds(p.panicWindowMs)} needs ${instances(panicWanted)} at ${target} each`;
    return decision('panic', head, settle(wanted, notes, false), notes, panicUntil);
  }

  const idleFor = lastDemandAt === undefined ? undefined : now - lastDemandAt;
  const demandNow = hasDemand(stable[stable.length - 1]);
  const idle = !demandNow && (idleFor === undefined || idleFor >= p.scaleToZeroAfterMs);
  const notes: string[] = [];
  let wanted: number;
  let head: string;
  if (idle) {
    wanted = 0;
    const quiet = idleFor === undefined ? 'no demand seen' : `no demand for ${formatSeconds(idleFor)}`;
    head = `idle: ${quiet} (scale to zero after ${formatSeconds(p.scaleToZeroAfterMs)}) needs 0 instances`;
  } else {
    wanted = stableWanted;
    head = `stable: ${formatNumber(stableDemand)} in flight/queued on average over the last ${formatSeconds(p.stableWindowMs)} needs ${instances(stableWanted)} at ${target} each`;
    if (wanted === 0 && p.minInstances === 0) {
      wanted = 1;
      notes.push(`keeping 1 warm: demand ${formatSeconds(idleFor ?? 0)} ago, scale to zero after ${formatSeconds(p.scaleToZeroAfterMs)} idle`);
    }
  }
  return decision(idle ? 'idle' : 'stable', head, settle(wanted, notes, true), notes);
}

/** Demand of one sample: invocations running plus async invocations waiting. */
function demandOf(sample: MetricsSample): number {
  return count(sample.inFlight) + count(sample.queued);
}

function hasDemand(sample: MetricsSample): boolean {
  return demandOf(sample) > 0 || count(sample.arrivals) > 0 || count(sample.coldStarts) > 0;
}

function within(samples: MetricsSample[], now: number, windowMs: number): MetricsSample[] {
  return samples.filter((sample) => Number.isFinite(sample.at) && sample.at > now - windowMs);
}

function average(samples: MetricsSample[]): number {
  if (samples.length === 0) return 0;
  return samples.reduce((sum, sample) => sum + demandOf(sample), 0) / samples.length;
}

function instancesFor(demand: number, target: number): number {
  return demand > 0 ? Math.max(1, Math.ceil(demand / target - EPSILON)) : 0;
}

function latestDemand(samples: MetricsSample[], before: number | undefined): number | undefined {
  let latest = before;
  for (const sample of samples) {
    if (Number.isFinite(sample.at) && hasDemand(sample) && (latest === undefined || sample.at > latest)) latest = sample.at;
  }
  return latest;
}

/** The previous panic deadline while it lies ahead, never more than a stable window ahead (the window may have shrunk). */
function stillPanicking(until: number | undefined, now: number, stableWindowMs: number): number | undefined {
  return until !== undefined && until > now ? Math.min(until, now + stableWindowMs) : undefined;
}

/** The state as this module wrote it, read defensively: it comes back through workflow history. */
function readState(state: unknown): Partial<KpaState> {
  if (typeof state !== 'object' || state === null) return {};
  const { desired, panicUntil, lastDemandAt } = state as Record<string, unknown>;
  return {
    desired: finite(desired) === undefined ? undefined : Math.floor(count(desired)),
    panicUntil: finite(panicUntil),
    lastDemandAt: finite(lastDemandAt),
  };
}

function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function compact(state: KpaState): KpaState {
  return Object.fromEntries(Object.entries(state).filter(([, value]) => value !== undefined)) as KpaState;
}

function instances(n: number): string {
  return `${n} instance${n === 1 ? '' : 's'}`;
}
