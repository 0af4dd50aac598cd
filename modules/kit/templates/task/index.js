// @ts-check
/**
 * A PyFaaS task module (see modules/task/CONTRACT.md in PyFaaS): admits or refuses invocation
 * requests before they become tasks. The function policy lists it in `taskChecks`; the
 * platform shows it each request started through the API before the invocation's workflow
 * starts. It refuses with a kit error (a 4xx with its own code) and no invocation exists.
 * It runs on the hot path: it only compares numbers and strings.
 *
 * This one limits the event's size, the invocation modes (e.g. async only, to keep callers
 * from holding connections) and, when listed, which principals may invoke.
 */
const { id } = require('./package.json').pyfaas;

/** @typedef {{ maxEventBytes?: number, modes: Array<'sync' | 'async'>, callers?: Set<string> }} Rules */
/**
 * What the platform shows (PyFaaS modules/task/extension.ts).
 * @typedef {{ functionName: string, version: number, mode: 'sync' | 'async', trigger: string, caller: string | null, labels: Record<string, string>, event: unknown, eventBytes: number }} TaskRequest
 */
/** @typedef {new (message: string, details?: Record<string, unknown>) => Error} ErrorClass */
/** @typedef {{ errors: { InputError: ErrorClass, NotAllowedError: ErrorClass, LimitExceededError: ErrorClass } }} Kit */

const MODES = ['sync', 'async'];

module.exports = {
  /**
   * Returns the factory the platform calls with this module's config from the function policy.
   * @param {{ kit: Kit }} context
   */
  create({ kit }) {
    const { InputError, NotAllowedError, LimitExceededError } = kit.errors;

    /** 413 TASK_EVENT_TOO_LARGE */
    class EventTooLargeError extends LimitExceededError {
      code = 'TASK_EVENT_TOO_LARGE';
    }
    /** 403 TASK_REFUSED: a mode or a caller this module does not admit. */
    class TaskRefusedError extends NotAllowedError {
      code = 'TASK_REFUSED';
    }

    /**
     * @param {unknown} config
     * @returns {Rules}
     */
    function parseConfig(config) {
      if (config === null || typeof config !== 'object' || Array.isArray(config)) throw new InputError(`${id} config must be an object.`, { issues: [{ path: 'config', message: 'must be an object' }] });
      const { maxEventBytes, modes = MODES, callers, ...rest } = /** @type {Record<string, any>} */ (config);
      const issues = Object.keys(rest).map((key) => ({ path: `config.${key}`, message: 'unknown field' }));
      if (maxEventBytes !== undefined && (!Number.isInteger(maxEventBytes) || maxEventBytes < 2)) issues.push({ path: 'config.maxEventBytes', message: 'must be a whole number of bytes, at least 2' });
      if (!Array.isArray(modes) || modes.length === 0 || !modes.every((mode) => MODES.includes(mode))) issues.push({ path: 'config.modes', message: 'must list sync, async or both' });
      if (callers !== undefined && (!Array.isArray(callers) || !callers.every((caller) => typeof caller === 'string' && caller.length > 0))) issues.push({ path: 'config.callers', message: 'must be a list of principal ids' });
      if (issues.length > 0) throw new InputError(`Invalid ${id} config: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}.`, { issues });
      return { maxEventBytes, modes, ...(callers === undefined ? {} : { callers: new Set(callers) }) };
    }

    /** @param {Record<string, unknown>} config */
    return (config) => {
      const rules = parseConfig(config);
      return {
        /** @param {TaskRequest} request */
        admit(request) {
          const details = { module: `task/${id}`, functionName: request.functionName };
          if (!rules.modes.includes(request.mode)) throw new TaskRefusedError(`${request.mode} invocations of ${request.functionName} are not admitted (${id} admits ${rules.modes.join(', ')}).`, details);
          if (rules.callers && !(request.caller && rules.callers.has(request.caller))) throw new TaskRefusedError(`${request.caller ?? 'An anonymous caller'} may not invoke ${request.functionName} (${id} admits listed callers only).`, details);
          if (rules.maxEventBytes !== undefined && request.eventBytes > rules.maxEventBytes) {
            throw new EventTooLargeError(`The event is ${request.eventBytes} bytes; ${id} admits at most ${rules.maxEventBytes}.`, { ...details, limit: rules.maxEventBytes, size: request.eventBytes });
          }
        },
      };
    };
  },
};
