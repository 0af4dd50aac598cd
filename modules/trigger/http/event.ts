import { isUtf8 } from 'node:buffer';

/**
 * What a function bound to an HTTP trigger receives as its event:
 *
 * ```
 * {
 *   method: 'POST',                       // uppercase
 *   path: '/t/orders/42',                 // the request path as sent, /t included
 *   route: '/orders/{id}',                // the trigger's template
 *   pathParams: { id: '42' },             // decoded; a greedy {rest+} holds 'a/b/c'
 *   query: { q: 'x', tag: ['a', 'b'] },   // one value per name; a repeated name is an array
 *   headers: { 'content-type': 'application/json', ... },  // lowercased, without x-api-key and authorization
 *   body: '{"n":1}',                      // utf-8 text, or base64 when isBase64Encoded; '' when there is none
 *   isBase64Encoded: false,
 *   requestId: '…'                        // the API's X-Request-Id
 * }
 * ```
 *
 * The API key headers are dropped so no secret reaches the function or Temporal's history.
 */
export interface HttpTriggerEvent {
  method: string;
  path: string;
  route: string;
  pathParams: Record<string, string>;
  query: Record<string, string | string[]>;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
  requestId: string;
}

export interface HttpRequestParts {
  method: string;
  path: string;
  route: string;
  pathParams: Record<string, string>;
  query: Record<string, string | string[] | undefined>;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  requestId: string;
}

/** Headers that carry the trigger's API key. */
export const SECRET_HEADERS: ReadonlySet<string> = new Set(['x-api-key', 'authorization']);

const TEXT_TYPES = /^(text\/[^;]+|application\/([\w.+-]+\+)?(json|xml)|application\/(x-www-form-urlencoded|javascript|graphql|x-ndjson|yaml|x-yaml))\s*(;|$)/i;

/**
 * True when a body of this content type is text: text/*, JSON, XML, forms and the like.
 * Without a content type, the bytes decide (text when they are valid UTF-8).
 */
export function isTextType(contentType: string | undefined): boolean | undefined {
  if (!contentType) return undefined;
  return TEXT_TYPES.test(contentType.trim());
}

/**
 * Text when the content type says text (or says nothing) and the bytes are valid UTF-8; base64
 * otherwise. A content encoding (gzip) makes text bytes invalid UTF-8, so they stay base64.
 */
export function encodeBody(body: Buffer, contentType: string | undefined): { body: string; isBase64Encoded: boolean } {
  if (body.length === 0) return { body: '', isBase64Encoded: false };
  if (isTextType(contentType) !== false && isUtf8(body)) return { body: body.toString('utf8'), isBase64Encoded: false };
  return { body: body.toString('base64'), isBase64Encoded: true };
}

export function buildEvent(request: HttpRequestParts): HttpTriggerEvent {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    const lower = name.toLowerCase();
    if (value === undefined || SECRET_HEADERS.has(lower)) continue;
    headers[lower] = Array.isArray(value) ? value.join(', ') : value;
  }
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(request.query)) {
    if (value === undefined) continue;
    query[name] = Array.isArray(value) ? [...value] : value;
  }
  return {
    method: request.method.toUpperCase(),
    path: request.path,
    route: request.route,
    pathParams: { ...request.pathParams },
    query,
    headers,
    ...encodeBody(request.body, headers['content-type']),
    requestId: request.requestId,
  };
}
