// @ts-check
/**
 * `rate`: a request-rate target. Each instance should take `targetRatePerInstance`
 * invocations per second, so the function wants ceil(observed rate / target) warm instances,
 * kept within [minInstances, maxInstances].
 *
 * The observed rate is the invocations that arrived over the last `windowSeconds`, divided by
 * the time those samples cover (a function that woke 10 s ago is measured over 10 s, not the
 * whole window). Each sample's `arrivals` count what came since the sample before it, so the
 * oldest sample in the window only marks where the measured span starts. With fewer than two
 * samples there is no rate yet and the module keeps its last decision.
 *
 * Scaling up is immediate. Scaling down waits: the count drops below the last decision only
 * once the rate has wanted fewer instances for `scaleDownDelaySeconds` without a break (the
 * state remembers since when), so a short lull does not shed instances a returning burst needs.
 *
 * Pure and total (modules/scaling/contract.ts): no clock but `now`, no I/O, and any samples,
 * current or state — even malformed ones read back from workflow history — give a decision.
 */

/** @typedef {import('../../modules/scaling/contract').ScalingModule<RateParams, RateState>} RateScaling */
/** @typedef {import('../../modules/scaling/contract').ScalingInput<RateParams, RateState>} RateInput */
/** @typedef {import('../../modules/scaling/contract').ScalingDecision<RateState>} RateDecision */
/** @typedef {import('../../contracts/scaling').MetricsSample} MetricsSample */
/** @typedef {import('../../modules/model').ModuleContext} ModuleContext */
/**
 * @typedef {object} RateParams
 * @property {number} targetRatePerInstance
 * @property {number} windowSeconds
 * @property {number} minInstances
 * @property {number} maxInstances
 * @property {number} scaleDownDelaySeconds
 */
/**
 * @typedef {object} RateState
 * @property {number} desired The last decision.
 * @property {number} [lowerSince] Since when (epoch ms) the rate has wanted fewer instances than `desired`.
 */

/** The most warm instances any scaling policy may ask for (modules/scaling/contract.ts MAX_INSTANCES). */
const MAX_INSTANCES = 1000;
/** Keeps float division from pushing an exact quotient over an integer (0.3 / 0.1 = 3.0000000000000004). */
const EPSILON = 1e-9;

/**
 * @param {ModuleContext} context
 * @returns {RateScaling}
 */
function create(context) {
  const { z } = /** @type {typeof import('zod')} */ (context.kit.require('zod'));
  const { InputError } = context.kit.errors;
  const schema = z
    .object({
      targetRatePerInstance: z.number().positive().max(1_000_000),
      windowSeconds: z.number().min(6).max(3600).default(60),
      minInstances: z.number().int().min(0).max(MAX_INSTANCES).default(0),
      maxInstances: z.number().int().min(1).max(MAX_INSTANCES).default(100),
      scaleDownDelaySeconds: z.number().min(0).max(3600).default(30),
    })
    .strict()
    .superRefine((p, ctx) => {
      if (p.maxInstances < p.minInstances) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['maxInstances'], message: `must be at least minInstances (${p.minInstances})` });
    });

  return {
    id: 'rate',
    /** Throws InputError listing every bad field as `params.<field>` (`details.issues`). */
    parseParams(params) {
      const result = schema.safeParse(params ?? {});
      if (result.success) return result.data;
      const issues = result.error.issues.map((issue) => ({ path: ['params', ...issue.path].join('.'), message: issue.message }));
      throw new InputError(`Invalid rate scaling params: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}.`, { issues });
    },
    historyMs: (params) => params.windowSeconds * 1000,
    decide,
  };
}

/**
 * @param {RateInput} input
 * @returns {RateDecision}
 */
function decide({ params: p, samples, now, current, state }) {
  const had = Math.floor(count(current));
  const previous = readState(state);
  const last = previous.desired ?? had;
  const notes = /** @type {string[]} */ ([]);
  const rate = observedRate(Array.isArray(samples) ? samples : [], now, p.windowSeconds * 1000);
  const target = formatNumber(p.targetRatePerInstance);

  if (rate === undefined) {
    const desired = clamp(last, p, notes);
    return decision(desired, `no rate yet: fewer than two samples in the last ${formatNumber(p.windowSeconds)} s, keeping ${desired} (had ${had})`, notes);
  }

  const wanted = clamp(rate.perSecond > 0 ? Math.ceil(rate.perSecond / p.targetRatePerInstance - EPSILON) : 0, p, notes);
  const head = `${formatNumber(rate.perSecond)}/s over the last ${formatNumber(rate.spanMs / 1000)} s needs ${instances(wanted)} at ${target}/s each (had ${had})`;
  const floor = clamp(last, p, []);
  if (wanted >= floor) return decision(wanted, head, notes);

  // Lower than the last decision: hold it until the rate has stayed lower for the delay.
  const lowerSince = previous.lowerSince !== undefined && previous.lowerSince <= now ? previous.lowerSince : now;
  const lowerForMs = now - lowerSince;
  const delayMs = p.scaleDownDelaySeconds * 1000;
  if (lowerForMs >= delayMs) return decision(wanted, head, [...notes, `lower for ${formatNumber(lowerForMs / 1000)} s (scale-down delay ${formatNumber(p.scaleDownDelaySeconds)} s)`]);
  return decision(floor, head, [`keeping ${floor} until the rate stays lower for ${formatNumber(p.scaleDownDelaySeconds)} s (lower for ${formatNumber(lowerForMs / 1000)} s)`], lowerSince);
}

/**
 * Arrivals per second over the window, or undefined with fewer than two usable samples.
 * @param {MetricsSample[]} samples
 * @param {number} now
 * @param {number} windowMs
 * @returns {{ perSecond: number, spanMs: number } | undefined}
 */
function observedRate(samples, now, windowMs) {
  const inWindow = samples
    .filter((sample) => sample !== null && typeof sample === 'object' && Number.isFinite(sample.at) && sample.at > now - windowMs && sample.at <= now)
    .sort((a, b) => a.at - b.at);
  if (inWindow.length < 2) return undefined;
  const spanMs = inWindow[inWindow.length - 1].at - inWindow[0].at;
  if (spanMs <= 0) return undefined;
  // The first sample's arrivals happened before it, outside the measured span.
  const arrivals = inWindow.slice(1).reduce((sum, sample) => sum + count(sample.arrivals), 0);
  return { perSecond: arrivals / (spanMs / 1000), spanMs };
}

/**
 * minInstances first, then maxInstances, which wins.
 * @param {number} wanted
 * @param {RateParams} p
 * @param {string[]} notes
 */
function clamp(wanted, p, notes) {
  let desired = wanted;
  if (desired < p.minInstances) {
    desired = p.minInstances;
    notes.push(`raised to minInstances ${p.minInstances}`);
  }
  if (desired > p.maxInstances) {
    desired = p.maxInstances;
    notes.push(`capped at maxInstances ${p.maxInstances}`);
  }
  return desired;
}

/**
 * @param {number} desired
 * @param {string} head
 * @param {string[]} notes
 * @param {number} [lowerSince]
 * @returns {RateDecision}
 */
function decision(desired, head, notes, lowerSince) {
  return {
    desired,
    mode: desired === 0 ? 'idle' : 'stable',
    reason: [head, ...notes].join('; '),
    state: lowerSince === undefined ? { desired } : { desired, lowerSince },
  };
}

/**
 * The state as this module wrote it, read defensively: it comes back through workflow history.
 * @param {unknown} state
 * @returns {{ desired?: number, lowerSince?: number }}
 */
function readState(state) {
  if (typeof state !== 'object' || state === null) return {};
  const { desired, lowerSince } = /** @type {Record<string, unknown>} */ (state);
  return {
    desired: typeof desired === 'number' && Number.isFinite(desired) ? Math.min(MAX_INSTANCES, Math.floor(count(desired))) : undefined,
    lowerSince: typeof lowerSince === 'number' && Number.isFinite(lowerSince) ? lowerSince : undefined,
  };
}

/** @param {unknown} value anything not a finite positive number is 0 */
function count(value) {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}

/** @param {number} value */
function formatNumber(value) {
  return String(Math.round(value * 100) / 100);
}

/** @param {number} n */
function instances(n) {
  return `${n} instance${n === 1 ? '' : 's'}`;
}

module.exports = { create };
