// @ts-check
/**
 * A PyFaaS scaling module (see modules/scaling/CONTRACT.md in PyFaaS): a pure function from a
 * function's recent load to the number of warm instances it should keep. No I/O, no clock,
 * no randomness: the platform calls decide() inside a Temporal workflow.
 */
const { id } = require('./package.json').pyfaas;

/** @typedef {{ targetPerInstance: number, minInstances: number, maxInstances: number, windowMs: number }} Params */
/** @typedef {{ at: number, inFlight: number, queued: number }} Sample */
/** @typedef {{ desired: number }} State */
/** @typedef {{ params: Params, samples: Sample[], now: number, current: number, state?: State }} Input */
/** @typedef {{ desired: number, reason: string, mode: 'stable' | 'idle', state: State }} Decision */
/** @typedef {{ errors: { InputError: new (message: string, details?: Record<string, unknown>) => Error } }} Kit */

const DEFAULTS = { targetPerInstance: 1, minInstances: 0, maxInstances: 10, windowMs: 30_000 };

module.exports = {
  /** @param {{ kit: Kit }} context */
  create({ kit }) {
    const { InputError } = kit.errors;

    /**
     * The platform validated `params` against configSchema first (defaults filled in); this
     * checks again because a module must not trust its caller, and checks what a schema cannot.
     * @param {unknown} params
     * @returns {Params}
     */
    function parseParams(params) {
      if (params === undefined) params = {};
      if (params === null || typeof params !== 'object' || Array.isArray(params)) throw new InputError('Scaling params must be an object.', { issues: [{ path: 'params', message: 'must be an object' }] });
      const given = /** @type {Record<string, unknown>} */ (params);
      const issues = [];
      for (const key of Object.keys(given)) if (!(key in DEFAULTS)) issues.push({ path: `params.${key}`, message: 'unknown field' });
      const value = { ...DEFAULTS, ...given };
      if (typeof value.targetPerInstance !== 'number' || !(value.targetPerInstance > 0) || value.targetPerInstance > 1000) issues.push({ path: 'params.targetPerInstance', message: 'must be a number above 0, at most 1000' });
      for (const key of /** @type {const} */ (['minInstances', 'maxInstances'])) {
        if (!Number.isInteger(value[key]) || value[key] < 0 || value[key] > 1000) issues.push({ path: `params.${key}`, message: 'must be a whole number 0–1000' });
      }
      if (!Number.isInteger(value.windowMs) || value.windowMs < 1000 || value.windowMs > 3_600_000) issues.push({ path: 'params.windowMs', message: 'must be whole milliseconds, 1000–3600000' });
      if (issues.length === 0 && value.minInstances > value.maxInstances) issues.push({ path: 'params.minInstances', message: 'must not exceed maxInstances' });
      if (issues.length > 0) throw new InputError(`Invalid scaling params: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}.`, { issues });
      return /** @type {Params} */ (value);
    }

    return {
      id,
      parseParams,
      /** @param {Params} params */
      historyMs: (params) => params.windowMs,
      /**
       * Total: any samples (even none), any current, any state give a decision.
       * @param {Input} input
       * @returns {Decision}
       */
      decide({ params, samples, now, current }) {
        const recent = samples.filter((sample) => sample.at > now - params.windowMs);
        const clamp = (/** @type {number} */ n) => Math.min(params.maxInstances, Math.max(params.minInstances, n));
        if (recent.length === 0) {
          const desired = clamp(current);
          return { desired, mode: 'stable', reason: `no samples in the last ${params.windowMs} ms: keeping ${desired}`, state: { desired } };
        }
        const load = recent.reduce((sum, sample) => sum + sample.inFlight + sample.queued, 0) / recent.length;
        const desired = clamp(Math.ceil(load / params.targetPerInstance));
        const reason = `average load ${load.toFixed(2)} over ${recent.length} samples at ${params.targetPerInstance} per instance wants ${desired}`;
        return { desired, mode: desired === 0 ? 'idle' : 'stable', reason, state: { desired } };
      },
    };
  },
};
