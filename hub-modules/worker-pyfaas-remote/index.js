// @ts-check
'use strict';
/**
 * Worker adapter `pyfaas-remote` (federation): runs a function's attempts on another PyFaaS
 * cluster, as sync invocations of a function there, with an invoker token of that cluster.
 */
const crypto = require('node:crypto');
const { call, describe, parseJson } = require('./http-call');

/** The remote inlines results and logs; beyond this it is not an answer we keep. */
const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
/** The remote's own queueing and workflow start on top of the function's time. */
const DEADLINE_GRACE_MS = 5000;
const FUNCTION_NAME = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
const ALIAS = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
const TOKEN = /^[\x21-\x7e]{8,4096}$/;
const MAX_LOG_CHARS = 64 * 1024;

/**
 * @typedef {import('../../modules/worker/contract').FunctionVersionSpec} FunctionVersionSpec
 * @typedef {import('../../modules/worker/contract').InvocationRequest} InvocationRequest
 * @typedef {import('../../modules/worker/contract').InvocationOutcome} InvocationOutcome
 * @typedef {import('../../modules/worker/contract').FunctionError} FunctionError
 * @typedef {import('../../modules/model').ModuleContext} ModuleContext
 * @typedef {{ url: URL, token: string, functionName: string, alias?: string, version?: number }} RemoteOptions
 */

/**
 * @param {ModuleContext} context
 * @returns {import('../../modules/worker/adapter').WorkerAdapter<RemoteOptions>}
 */
function create(context) {
  const { InputError, UnavailableError } = context.kit.errors;

  /**
   * Throws InputError naming each bad field as `options.<field>` (never echoing the token).
   * @param {unknown} raw
   * @returns {RemoteOptions}
   */
  function parseOptions(raw) {
    /** @type {string[]} */
    const problems = [];
    const bad = (/** @type {string} */ field, /** @type {string} */ why) => problems.push(`options.${field}: ${why}`);
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new InputError('options: must be an object.');
    const o = /** @type {Record<string, unknown>} */ (raw);
    for (const key of Object.keys(o)) if (!['url', 'token', 'functionName', 'alias', 'version'].includes(key)) bad(key, 'is not an option of pyfaas-remote');
    /** @type {URL | undefined} */
    let url;
    if (typeof o.url !== 'string' || o.url.length > 2048) bad('url', "must be the http(s) URL of the other cluster's API");
    else {
      try {
        url = new URL(o.url);
        if (url.protocol !== 'http:' && url.protocol !== 'https:') bad('url', 'must be an http:// or https:// URL');
        else if (url.username || url.password) bad('url', 'must not carry credentials (use options.token)');
        else if (url.search || url.hash) bad('url', 'must have no query or fragment');
      } catch {
        bad('url', 'must be an http:// or https:// URL');
      }
    }
    if (typeof o.token !== 'string' || !TOKEN.test(o.token)) bad('token', 'must be a token of the other cluster (8 to 4096 printable characters)');
    if (typeof o.functionName !== 'string' || !FUNCTION_NAME.test(o.functionName)) bad('functionName', 'must be the name of a function on the other cluster');
    if (o.alias !== undefined && (typeof o.alias !== 'string' || !ALIAS.test(o.alias))) bad('alias', 'must be an alias name');
    if (o.version !== undefined && (!Number.isInteger(o.version) || /** @type {number} */ (o.version) < 1 || /** @type {number} */ (o.version) > 2 ** 31 - 1)) bad('version', 'must be a version number');
    if (o.alias !== undefined && o.version !== undefined) bad('alias', 'cannot be given with options.version');
    if (problems.length > 0) throw new InputError(`Invalid pyfaas-remote options: ${problems.join('; ')}.`, { problems });
    return {
      url: /** @type {URL} */ (url), token: /** @type {string} */ (o.token), functionName: /** @type {string} */ (o.functionName),
      ...(o.alias !== undefined ? { alias: /** @type {string} */ (o.alias) } : {}),
      ...(o.version !== undefined ? { version: /** @type {number} */ (o.version) } : {}),
    };
  }

  /**
   * One attempt = one sync invocation there. Its Idempotency-Key is this attempt's, so a retry
   * after a lost answer gets the remote's first invocation instead of running the function twice.
   * @param {FunctionVersionSpec} spec
   * @param {InvocationRequest} request
   * @param {RemoteOptions} options
   * @param {AbortSignal} [signal]
   * @returns {Promise<InvocationOutcome>}
   */
  async function run(spec, request, options, signal) {
    const base = options.url.href.replace(/\/+$/, '');
    const url = new URL(`${base}/v1/functions/${encodeURIComponent(options.functionName)}/invoke`);
    if (options.alias) url.searchParams.set('alias', options.alias);
    if (options.version) url.searchParams.set('version', String(options.version));
    const key = crypto.createHash('sha256').update(`${request.invocationId}\n${request.attempt}`).digest('hex');
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${options.token}`, 'idempotency-key': `pyfaas-remote-${key}` };
    const started = Date.now();
    const answer = await call({ url, method: 'POST', headers, body: JSON.stringify(request.event === undefined ? null : request.event), timeoutMs: spec.timeoutMs + DEADLINE_GRACE_MS, signal, maxBytes: MAX_RESPONSE_BYTES });
    const durationMs = Date.now() - started;
    const instanceId = `pyfaas-remote:${options.url.host}/${options.functionName}`;
    /** @type {(status: InvocationOutcome['status'], error?: FunctionError, result?: unknown, logs?: InvocationOutcome['logs']) => InvocationOutcome} */
    const outcome = (status, error, result, logs = { stdout: '', stderr: '', truncated: false }) => ({
      status, ...(error ? { error } : {}), ...(status === 'succeeded' ? { result } : {}), logs, coldStart: false, durationMs, instanceId,
    });
    const where = `${options.url.origin} (function ${options.functionName})`;
    switch (answer.kind) {
      case 'cancelled':
        return outcome('failed', { type: 'Cancelled', message: `The invocation was cancelled while ${where} ran it.` });
      case 'timed_out':
        return outcome('timed_out', { type: 'TimeoutError', message: `The remote PyFaaS ${where} did not answer within ${spec.timeoutMs + DEADLINE_GRACE_MS} ms.` });
      case 'too_large':
        return outcome('failed', { type: 'PyFaaSRemote.ResponseTooLarge', message: `The remote PyFaaS ${where} answered more than ${MAX_RESPONSE_BYTES} bytes.` });
      case 'unreachable':
        throw new UnavailableError(`The remote PyFaaS ${where} cannot be reached (${describe(answer.error)}).`);
    }
    const { status } = answer;
    const parsed = parseJson(answer.text);
    const body = parsed.ok && parsed.value && typeof parsed.value === 'object' ? /** @type {Record<string, any>} */ (parsed.value) : undefined;
    if (status >= 300 && status < 400) {
      return outcome('failed', { type: 'PyFaaSRemote.RedirectRefused', message: `The remote PyFaaS ${where} answered a redirect (HTTP ${status}); pyfaas-remote never follows one: fix options.url.` });
    }
    if (status === 200 && body && typeof body.status === 'string') return fromView(body, outcome);
    const code = typeof body?.error?.code === 'string' ? body.error.code.slice(0, 64) : `HTTP${status}`;
    const message = typeof body?.error?.message === 'string' ? body.error.message.slice(0, 1000) : `HTTP ${status}`;
    if (status === 429 || status >= 500) throw new UnavailableError(`The remote PyFaaS ${where} answered HTTP ${status} (${code}): ${message}`);
    // 401/403/404 and the other refusals: the attempt fails with the remote's code, not retried by the platform.
    return outcome('failed', { type: `PyFaaSRemote.${code}`, message: `The remote PyFaaS ${where} refused the invocation (HTTP ${status}): ${message}` });
  }

  return { id: 'pyfaas-remote', parseOptions, run, endpoints: (/** @type {any} */ options) => [options.url] };
}

/**
 * The remote's invocation view as this attempt's outcome.
 * @param {Record<string, any>} view
 * @param {(status: InvocationOutcome['status'], error?: FunctionError, result?: unknown, logs?: InvocationOutcome['logs']) => InvocationOutcome} outcome
 */
function fromView(view, outcome) {
  const logs = {
    stdout: String(view.logs?.stdout ?? '').slice(0, MAX_LOG_CHARS),
    stderr: String(view.logs?.stderr ?? '').slice(0, MAX_LOG_CHARS),
    truncated: Boolean(view.logs?.truncated) || String(view.logs?.stdout ?? '').length > MAX_LOG_CHARS || String(view.logs?.stderr ?? '').length > MAX_LOG_CHARS,
  };
  const error = view.error && typeof view.error === 'object'
    ? { type: String(view.error.type ?? 'RemoteError').slice(0, 200), message: String(view.error.message ?? '').slice(0, 4096), ...(view.error.stack ? { stack: String(view.error.stack).slice(0, 16_384) } : {}) }
    : undefined;
  switch (view.status) {
    case 'succeeded':
      return outcome('succeeded', undefined, view.result, logs);
    case 'timed_out':
      return outcome('timed_out', error ?? { type: 'TimeoutError', message: 'The remote invocation timed out.' }, undefined, logs);
    case 'cancelled':
      return outcome('failed', error ?? { type: 'Cancelled', message: 'The remote invocation was cancelled.' }, undefined, logs);
    default:
      return outcome('failed', error ?? { type: 'RemoteError', message: `The remote invocation ended ${String(view.status).slice(0, 32)}.` }, undefined, logs);
  }
}

module.exports = { create };
