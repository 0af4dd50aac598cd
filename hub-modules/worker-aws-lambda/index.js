// @ts-check
'use strict';
/**
 * Worker adapter `aws-lambda`: runs a PyFaaS function's attempts on AWS Lambda, or on anything
 * that speaks Lambda's Invoke API (the Runtime Interface Emulator, LocalStack…). The function's
 * `executor.options` say where; this module says how the answer maps to an outcome.
 */
const { signRequest } = require('./sigv4');
const { call, describe, parseJson } = require('./http-call');

/** Lambda's own cap on a synchronous response is 6 MB; a little more for the envelope. */
const MAX_RESPONSE_BYTES = 6 * 1024 * 1024 + 64 * 1024;
/** Our deadline is the spec's plus this, so Lambda's own "Task timed out" normally answers first. */
const DEADLINE_GRACE_MS = 1000;
const FUNCTION_NAME = /^[A-Za-z0-9_.:-]{1,170}$/;
const QUALIFIER = /^[A-Za-z0-9$_-]{1,128}$/;
const REGION = /^[a-z]{2}(-[a-z0-9]+){1,4}$/;
const ERROR_KEYS = new Set(['errorType', 'errorMessage', 'stackTrace', 'requestId', 'cause']);
const TIMED_OUT = /Task timed out after [\d.]+ seconds/;

/**
 * @typedef {import('../../modules/worker/contract').FunctionVersionSpec} FunctionVersionSpec
 * @typedef {import('../../modules/worker/contract').InvocationRequest} InvocationRequest
 * @typedef {import('../../modules/worker/contract').InvocationOutcome} InvocationOutcome
 * @typedef {import('../../modules/worker/contract').FunctionError} FunctionError
 * @typedef {import('../../modules/model').ModuleContext} ModuleContext
 * @typedef {{ accessKeyId: string, secretAccessKey: string, sessionToken?: string }} Credentials
 * @typedef {{ endpoint: URL, functionName: string, qualifier?: string, region: string,
 *   credentials?: Credentials, logType: 'Tail' | 'None' }} LambdaOptions
 */

/**
 * @param {ModuleContext} context
 * @returns {import('../../modules/worker/adapter').WorkerAdapter<LambdaOptions>}
 */
function create(context) {
  const { InputError, UnavailableError } = context.kit.errors;

  /**
   * Throws InputError naming each bad field as `options.<field>`.
   * @param {unknown} raw
   * @returns {LambdaOptions}
   */
  function parseOptions(raw) {
    /** @type {string[]} */
    const problems = [];
    const bad = (/** @type {string} */ field, /** @type {string} */ why) => problems.push(`options.${field}: ${why}`);
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new InputError('options: must be an object.');
    const o = /** @type {Record<string, unknown>} */ (raw);
    for (const key of Object.keys(o)) {
      if (!['endpoint', 'functionName', 'qualifier', 'region', 'credentials', 'logType'].includes(key)) bad(key, 'is not an option of aws-lambda');
    }
    /** @type {URL | undefined} */
    let endpoint;
    if (typeof o.endpoint !== 'string' || o.endpoint.length > 2048) bad('endpoint', 'must be the http(s) URL of a Lambda Invoke API');
    else {
      try {
        endpoint = new URL(o.endpoint);
        if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:') bad('endpoint', 'must be an http:// or https:// URL');
        else if (endpoint.username || endpoint.password) bad('endpoint', 'must not carry credentials (use options.credentials)');
        else if (endpoint.search || endpoint.hash) bad('endpoint', 'must have no query or fragment');
      } catch {
        bad('endpoint', 'must be an http:// or https:// URL');
      }
    }
    const functionName = o.functionName === undefined ? 'function' : o.functionName;
    if (typeof functionName !== 'string' || !FUNCTION_NAME.test(functionName)) bad('functionName', 'must be a Lambda function name or ARN');
    if (o.qualifier !== undefined && (typeof o.qualifier !== 'string' || !QUALIFIER.test(o.qualifier))) bad('qualifier', 'must be a version number, alias or $LATEST');
    if (o.region !== undefined && (typeof o.region !== 'string' || !REGION.test(o.region))) bad('region', 'must be an AWS region such as eu-west-1');
    const logType = o.logType === undefined ? 'Tail' : o.logType;
    if (logType !== 'Tail' && logType !== 'None') bad('logType', 'must be Tail or None');
    /** @type {Credentials | undefined} */
    let credentials;
    if (o.credentials !== undefined) {
      const c = /** @type {Record<string, unknown>} */ (o.credentials);
      if (!c || typeof c !== 'object' || Array.isArray(c)) bad('credentials', 'must be { accessKeyId, secretAccessKey, sessionToken? }');
      else {
        const unknown = Object.keys(c).filter((k) => !['accessKeyId', 'secretAccessKey', 'sessionToken'].includes(k));
        if (unknown.length > 0) bad('credentials', `has unknown fields: ${unknown.join(', ')}`);
        if (typeof c.accessKeyId !== 'string' || !/^[A-Z0-9]{16,128}$/.test(c.accessKeyId)) bad('credentials.accessKeyId', 'must be an AWS access key id');
        if (typeof c.secretAccessKey !== 'string' || c.secretAccessKey.length < 16 || c.secretAccessKey.length > 256) bad('credentials.secretAccessKey', 'must be an AWS secret access key');
        if (c.sessionToken !== undefined && (typeof c.sessionToken !== 'string' || c.sessionToken.length > 4096)) bad('credentials.sessionToken', 'must be a string');
        credentials = /** @type {Credentials} */ ({ accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}) });
      }
    }
    if (problems.length > 0) throw new InputError(`Invalid aws-lambda options: ${problems.join('; ')}.`, { problems });
    const region = /** @type {string | undefined} */ (o.region) ?? /^lambda\.([a-z0-9-]+)\.amazonaws\.com/.exec(/** @type {URL} */ (endpoint).hostname)?.[1] ?? 'us-east-1';
    return {
      endpoint: /** @type {URL} */ (endpoint), functionName: /** @type {string} */ (functionName), region, logType: /** @type {'Tail' | 'None'} */ (logType),
      ...(o.qualifier ? { qualifier: /** @type {string} */ (o.qualifier) } : {}),
      ...(credentials ? { credentials } : {}),
    };
  }

  /**
   * @param {FunctionVersionSpec} spec
   * @param {InvocationRequest} request
   * @param {LambdaOptions} options
   * @param {AbortSignal} [signal]
   * @returns {Promise<InvocationOutcome>}
   */
  async function run(spec, request, options, signal) {
    const base = options.endpoint.href.replace(/\/+$/, '');
    const url = new URL(`${base}/2015-03-31/functions/${encodeURIComponent(options.functionName)}/invocations`);
    if (options.qualifier) url.searchParams.set('Qualifier', options.qualifier);
    const body = JSON.stringify(request.event === undefined ? null : request.event);
    /** @type {Record<string, string>} */
    let headers = { 'content-type': 'application/json', 'x-amz-invocation-type': 'RequestResponse', 'x-amz-log-type': options.logType };
    if (options.credentials) headers = signRequest({ method: 'POST', url, headers, body, credentials: options.credentials, region: options.region, service: 'lambda' }).headers;
    const started = Date.now();
    const answer = await call({ url, method: 'POST', headers, body, timeoutMs: spec.timeoutMs + DEADLINE_GRACE_MS, signal, maxBytes: MAX_RESPONSE_BYTES });
    const instanceId = `aws-lambda:${options.functionName}`;
    const durationMs = Date.now() - started;
    /** @type {(status: InvocationOutcome['status'], error?: FunctionError, result?: unknown, stdout?: string) => InvocationOutcome} */
    const outcome = (status, error, result, stdout = '') => ({
      status, ...(error ? { error } : {}), ...(status === 'succeeded' ? { result } : {}),
      logs: { stdout, stderr: '', truncated: Buffer.byteLength(stdout) >= 4096 }, coldStart: false, durationMs, instanceId,
    });
    switch (answer.kind) {
      case 'cancelled':
        return outcome('failed', { type: 'Cancelled', message: 'The invocation was cancelled while Lambda ran it (Lambda may still finish it).' });
      case 'timed_out':
        return outcome('timed_out', { type: 'TimeoutError', message: `Lambda did not answer within ${spec.timeoutMs} ms.` });
      case 'too_large':
        return outcome('failed', { type: 'Lambda.ResponseTooLarge', message: `Lambda's answer (HTTP ${answer.status}) is larger than ${MAX_RESPONSE_BYTES} bytes.` });
      case 'unreachable':
        throw new UnavailableError(`The Lambda endpoint ${options.endpoint.origin} cannot be reached (${describe(answer.error)}).`);
    }
    const { status, text } = answer;
    const tail = tailLog(answer.headers.get('x-amz-log-result'));
    const functionError = answer.headers.get('x-amz-function-error');
    const parsed = parseJson(text);
    if (status >= 300 && status < 400) {
      return outcome('failed', { type: 'Lambda.RedirectRefused', message: `The Lambda endpoint answered a redirect (HTTP ${status}); aws-lambda never follows one: fix options.endpoint.` }, undefined, tail);
    }
    if (status >= 200 && status < 300) {
      if (functionError || (!parsed.ok && TIMED_OUT.test(text.slice(0, 200)))) return mapFunctionError(parsed.ok ? parsed.value : { errorMessage: text }, functionError ?? 'Unhandled', outcome, tail);
      if (!functionError && isErrorShape(parsed.value)) return mapFunctionError(parsed.value, 'Unhandled', outcome, tail);
      return outcome('succeeded', undefined, parsed.ok ? parsed.value : text, tail);
    }
    // The RIE answers a runtime that exited (or was killed) with 502 and a Runtime.* error type.
    if (isErrorShape(parsed.value) && String(parsed.value.errorType).startsWith('Runtime.')) return mapFunctionError(parsed.value, 'Unhandled', outcome, tail);
    const errorType = answer.headers.get('x-amzn-errortype')?.split(':')[0] || (parsed.ok && (parsed.value?.Type || parsed.value?.__type)) || `HTTP${status}`;
    const message = (parsed.ok && (parsed.value?.message || parsed.value?.Message)) || text.slice(0, 500) || `HTTP ${status}`;
    // Throttling and the service's own failures are worth another attempt; the rest are not.
    if (status === 429 || status >= 500) throw new UnavailableError(`Lambda answered HTTP ${status} (${errorType}): ${message}`);
    return outcome('failed', { type: `Lambda.${errorType}`, message: `Lambda refused the invocation (HTTP ${status}): ${message}` }, undefined, tail);
  }

  return { id: 'aws-lambda', parseOptions, run, endpoints: (/** @type {any} */ options) => [options.endpoint] };
}

/** @param {unknown} value @returns {value is { errorType: string, errorMessage: string, stackTrace?: unknown }} */
function isErrorShape(value) {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const v = /** @type {Record<string, unknown>} */ (value);
  return typeof v.errorType === 'string' && typeof v.errorMessage === 'string' && Object.keys(v).every((k) => ERROR_KEYS.has(k));
}

/**
 * A function error, a timeout (Lambda: "Task timed out after N seconds") or the runtime dying
 * (`Runtime.ExitError`, `Runtime.OutOfMemory`…).
 * @param {any} body
 * @param {string} kind
 * @param {(status: InvocationOutcome['status'], error?: FunctionError, result?: unknown, stdout?: string) => InvocationOutcome} outcome
 * @param {string} tail
 */
function mapFunctionError(body, kind, outcome, tail) {
  const message = String(body?.errorMessage ?? body?.message ?? '').slice(0, 4096);
  const type = typeof body?.errorType === 'string' ? body.errorType : kind;
  if (TIMED_OUT.test(message)) return outcome('timed_out', { type: 'TimeoutError', message }, undefined, tail);
  const stack = Array.isArray(body?.stackTrace) ? body.stackTrace.map(String).join('').slice(0, 16_384) : undefined;
  const error = { type, message, ...(stack ? { stack } : {}) };
  return outcome(type.startsWith('Runtime.') ? 'crashed' : 'failed', error, undefined, tail);
}

/** Lambda's X-Amz-Log-Result: the last 4 KB of the attempt's log, base64. */
function tailLog(/** @type {string | null} */ header) {
  if (!header) return '';
  return Buffer.from(header.slice(0, 8192), 'base64').toString('utf8');
}

module.exports = { create };
