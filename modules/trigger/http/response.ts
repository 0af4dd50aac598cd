import { validateHeaderName, validateHeaderValue } from 'node:http';
import type { InvocationView } from '../../task/invocation-view';

/** What the router writes back: a status, headers, and the body bytes. */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** Headers the server computes itself; a function's values for them are ignored. */
const SERVER_HEADERS: ReadonlySet<string> = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'trailer']);

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Turns a finished sync invocation into the HTTP answer, like API Gateway's Lambda proxy
 * integration:
 * - a result with a numeric `statusCode` (100–599) is a response: that status, its `headers`
 *   (string, number or boolean values; an array of them repeats the header), and its `body` —
 *   a string (base64-decoded when `isBase64Encoded` is true) or anything else sent as JSON;
 * - any other result is a 200 whose body is the result as JSON;
 * - a function error is a 502 `FUNCTION_ERROR` (with the error's `type`), a timeout a 504
 *   `FUNCTION_TIMEOUT`, and a response the platform cannot send a 502 `INVALID_FUNCTION_RESPONSE`.
 * Error bodies have the API's shape, `{ error: { code, message, requestId, … } }`.
 */
export function toHttpAnswer(view: InvocationView, requestId: string): HttpAnswer {
  if (view.status === 'timed_out') {
    return errorAnswer(504, 'FUNCTION_TIMEOUT', view.error?.message ?? 'The function did not finish in time.', requestId);
  }
  if (view.status !== 'succeeded') {
    const message = view.error?.message ?? `The invocation ended ${view.status}.`;
    return errorAnswer(502, 'FUNCTION_ERROR', message, requestId, { type: view.error?.type ?? view.status });
  }
  if (!isProxyResponse(view.result)) return { status: 200, headers: { 'content-type': JSON_TYPE }, body: json(view.result) };
  try {
    return proxyAnswer(view.result);
  } catch (err) {
    return errorAnswer(502, 'INVALID_FUNCTION_RESPONSE', `The function's response cannot be sent: ${(err as Error).message}`, requestId);
  }
}

interface ProxyResponse {
  statusCode: number;
  headers?: unknown;
  body?: unknown;
  isBase64Encoded?: unknown;
}

function isProxyResponse(result: unknown): result is ProxyResponse {
  if (typeof result !== 'object' || result === null || Array.isArray(result)) return false;
  const { statusCode } = result as { statusCode?: unknown };
  return typeof statusCode === 'number' && Number.isInteger(statusCode) && statusCode >= 100 && statusCode <= 599;
}

/** Throws Error saying what makes the response unsendable. */
function proxyAnswer(response: ProxyResponse): HttpAnswer {
  const headers = proxyHeaders(response.headers);
  const has = (name: string) => name in headers;
  let body: Buffer;
  if (response.isBase64Encoded === true) {
    if (typeof response.body !== 'string') throw new Error('isBase64Encoded is true but body is not a string');
    body = Buffer.from(response.body, 'base64');
    if (!has('content-type')) headers['content-type'] = 'application/octet-stream';
  } else if (response.body === undefined || response.body === null) {
    body = Buffer.alloc(0);
  } else if (typeof response.body === 'string') {
    body = Buffer.from(response.body, 'utf8');
    if (!has('content-type')) headers['content-type'] = 'text/plain; charset=utf-8';
  } else {
    body = json(response.body);
    if (!has('content-type')) headers['content-type'] = JSON_TYPE;
  }
  return { status: response.statusCode, headers, body };
}

function proxyHeaders(given: unknown): Record<string, string | string[]> {
  if (given === undefined || given === null) return {};
  if (typeof given !== 'object' || Array.isArray(given)) throw new Error('headers must be an object');
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(given)) {
    const lower = name.toLowerCase();
    if (value === undefined || value === null || SERVER_HEADERS.has(lower)) continue;
    const values = (Array.isArray(value) ? value : [value]).map((item) => headerValue(name, item));
    validateHeaderName(lower);
    for (const item of values) validateHeaderValue(lower, item);
    headers[lower] = Array.isArray(value) ? values : values[0];
  }
  return headers;
}

function headerValue(name: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error(`header ${JSON.stringify(name)} must be a string, a number or a boolean`);
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value ?? null), 'utf8');
}

export function errorAnswer(status: number, code: string, message: string, requestId: string, extra: Record<string, unknown> = {}): HttpAnswer {
  return { status, headers: { 'content-type': JSON_TYPE }, body: json({ error: { code, message, requestId, ...extra } }) };
}
