/**
 * The console's only way to the API: the token travels as a bearer header on each request to
 * this origin (no cookies, so no cross-site request can borrow it and there is nothing to
 * protect against CSRF). It is kept in sessionStorage, not localStorage: it lives as long as
 * the tab, is not shared with other tabs, and does not stay behind on a shared machine after
 * the browser closes.
 */
const TOKEN_KEY = 'pyfaas.token';

export function savedToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function saveToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** An API error answer: its HTTP status and the API's stable code and message. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * Calls the API and returns the parsed JSON body. Throws ApiError for any 4xx/5xx answer;
 * a 401 also calls `onUnauthenticated` (the token was revoked or expired: log in again).
 */
export async function api(method, path, body, { token = savedToken(), headers = {} } = {}) {
  const sent = { accept: 'application/json', ...headers };
  if (token) sent.authorization = `Bearer ${token}`;
  const init = { method, headers: sent, credentials: 'omit', cache: 'no-store' };
  if (body !== undefined) {
    sent['content-type'] = 'application/json';
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let parsed;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  if (!response.ok) {
    const error = parsed && parsed.error ? parsed.error : { code: `HTTP_${response.status}`, message: String(parsed ?? response.statusText) };
    if (response.status === 401 && token === savedToken()) api.onUnauthenticated?.(error.message);
    throw new ApiError(response.status, error.code, error.message);
  }
  return parsed;
}

/** `encodeURIComponent` for one path segment. */
export const seg = (value) => encodeURIComponent(String(value));
