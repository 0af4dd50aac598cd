// @ts-check
/**
 * A PyFaaS worker adapter (see modules/worker/CONTRACT.md in PyFaaS): runs a function's
 * attempts somewhere else than the local sandbox pool. This one POSTs each attempt as JSON
 * to `options.url` and reads the result back: 200 is success (the JSON body is the result),
 * 502/503/504 or no answer is the far side being unavailable (the platform retries), any
 * other status is the function failing, and running past the timeout is timed_out.
 */
const { id } = require('./package.json').pyfaas;

/** Results travel through Temporal history, whose payloads stay under 2 MB. */
const MAX_RESULT_BYTES = 2 * 1024 * 1024;

/** @typedef {{ url: string, timeoutMs: number }} Options */
/** @typedef {{ functionName: string, version: number, timeoutMs: number }} Spec */
/** @typedef {{ invocationId: string, event: unknown, attempt: number }} Request */
/** @typedef {{ type: string, message: string }} FunctionError */
/** @typedef {{ status: 'succeeded' | 'failed' | 'timed_out' | 'crashed', result?: unknown, error?: FunctionError, logs: { stdout: string, stderr: string, truncated: boolean }, coldStart: boolean, durationMs: number, instanceId: string }} Outcome */
/** @typedef {new (message: string, details?: Record<string, unknown>) => Error} ErrorClass */
/** @typedef {{ errors: { InputError: ErrorClass, UnavailableError: ErrorClass } }} Kit */

module.exports = {
  /** @param {{ kit: Kit }} context */
  create({ kit }) {
    const { InputError, UnavailableError } = kit.errors;

    /**
     * Checks a function's `executor.options` (the platform ran configSchema first).
     * @param {unknown} options
     * @returns {Options}
     */
    function parseOptions(options) {
      if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new InputError('Executor options must be an object.', { issues: [{ path: 'options', message: 'must be an object' }] });
      const { url, timeoutMs = 30_000, ...rest } = /** @type {Record<string, unknown>} */ (options);
      const issues = Object.keys(rest).map((key) => ({ path: `options.${key}`, message: 'unknown field' }));
      let parsed;
      try {
        parsed = typeof url === 'string' ? new URL(url) : undefined;
      } catch {
        parsed = undefined;
      }
      if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || parsed.username || parsed.password) issues.push({ path: 'options.url', message: 'must be an http(s) URL without credentials' });
      if (!Number.isInteger(timeoutMs) || /** @type {number} */ (timeoutMs) < 100 || /** @type {number} */ (timeoutMs) > 900_000) issues.push({ path: 'options.timeoutMs', message: 'must be whole milliseconds, 100–900000' });
      if (issues.length > 0) throw new InputError(`Invalid executor options: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}.`, { issues });
      return { url: String(url), timeoutMs: /** @type {number} */ (timeoutMs) };
    }

    /**
     * @param {Spec} spec
     * @param {Request} request
     * @param {Options} options
     * @param {AbortSignal} [signal] the activity was cancelled
     * @returns {Promise<Outcome>}
     */
    async function run(spec, request, options, signal) {
      const started = Date.now();
      const instanceId = `${id}:${new URL(options.url).host}`;
      /** @param {Omit<Outcome, 'logs' | 'coldStart' | 'durationMs' | 'instanceId'>} fields */
      const outcome = (fields) => ({ ...fields, logs: { stdout: '', stderr: '', truncated: false }, coldStart: false, durationMs: Date.now() - started, instanceId });
      const limitMs = Math.min(spec.timeoutMs, options.timeoutMs);
      const timeout = AbortSignal.timeout(limitMs);
      const body = JSON.stringify({ function: spec.functionName, version: spec.version, invocationId: request.invocationId, attempt: request.attempt, event: request.event });
      try {
        const response = await fetch(options.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, redirect: 'error', signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
        const text = await readLimited(response, MAX_RESULT_BYTES);
        if ([502, 503, 504].includes(response.status)) throw new UnavailableError(`${options.url} answered ${response.status}; the attempt will be retried.`);
        if (text === undefined) return outcome({ status: 'failed', error: { type: 'ResultTooLarge', message: `The result is over ${MAX_RESULT_BYTES} bytes.` } });
        if (response.status !== 200) return outcome({ status: 'failed', error: { type: `HTTP${response.status}`, message: text.slice(0, 1000) } });
        try {
          return outcome({ status: 'succeeded', result: text === '' ? null : JSON.parse(text) });
        } catch {
          return outcome({ status: 'failed', error: { type: 'BadResult', message: 'The endpoint answered 200 with a body that is not JSON.' } });
        }
      } catch (err) {
        if (signal?.aborted) throw err; // cancelled: the platform stops waiting anyway
        if (timeout.aborted) return outcome({ status: 'timed_out', error: { type: 'Timeout', message: `No answer within ${limitMs} ms.` } });
        if (err instanceof UnavailableError) throw err;
        throw new UnavailableError(`Could not reach ${options.url}: ${/** @type {Error} */ (err).message}`);
      }
    }

    // The URLs run() calls for these options: the function policy may fence adapters to listed origins.
    return { id, parseOptions, run, endpoints: (/** @type {{ url: string }} */ options) => [options.url] };
  },
};

/**
 * The body as text, or undefined once it passes `limit` bytes (the rest is not read).
 * @param {Response} response
 * @param {number} limit
 */
async function readLimited(response, limit) {
  if (!response.body) return '';
  const chunks = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > limit) return undefined; // leaving the loop cancels the stream
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
