// @ts-check
'use strict';
/**
 * One HTTP request to a service whose address a function's options name: redirects are never
 * followed (the options are the only place that may say where attempts go), the answer is read
 * up to a size cap, and the attempt's own deadline and the caller's cancellation both stop it.
 */

/**
 * @typedef {{ url: URL, method: string, headers: Record<string, string>, body?: string,
 *   timeoutMs: number, signal?: AbortSignal, maxBytes: number }} CallInput
 * @typedef {{ kind: 'answered', status: number, headers: Headers, text: string }
 *   | { kind: 'timed_out' } | { kind: 'cancelled' } | { kind: 'too_large', status: number }
 *   | { kind: 'unreachable', error: Error }} CallResult
 */

/**
 * Never throws: what happened is the result's `kind`.
 * @param {CallInput} input
 * @returns {Promise<CallResult>}
 */
async function call(input) {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, input.timeoutMs);
  const onCancel = () => controller.abort();
  if (input.signal?.aborted) return { kind: 'cancelled' };
  input.signal?.addEventListener('abort', onCancel, { once: true });
  const ended = () => (timedOut ? { kind: /** @type {const} */ ('timed_out') } : input.signal?.aborted ? { kind: /** @type {const} */ ('cancelled') } : undefined);
  try {
    let response;
    try {
      response = await fetch(input.url, { method: input.method, headers: input.headers, body: input.body, redirect: 'manual', signal: controller.signal });
    } catch (err) {
      return ended() ?? { kind: 'unreachable', error: /** @type {Error} */ (err) };
    }
    const declared = Number(response.headers.get('content-length') ?? 0);
    if (declared > input.maxBytes) {
      controller.abort();
      return { kind: 'too_large', status: response.status };
    }
    const chunks = [];
    let size = 0;
    try {
      if (response.body) {
        for await (const chunk of response.body) {
          size += chunk.byteLength;
          if (size > input.maxBytes) break;
          chunks.push(Buffer.from(chunk));
        }
      }
    } catch (err) {
      if (size > input.maxBytes) return { kind: 'too_large', status: response.status };
      return ended() ?? { kind: 'unreachable', error: /** @type {Error} */ (err) };
    }
    if (size > input.maxBytes) {
      controller.abort();
      return { kind: 'too_large', status: response.status };
    }
    return { kind: 'answered', status: response.status, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') };
  } finally {
    clearTimeout(timer);
    input.signal?.removeEventListener('abort', onCancel);
  }
}

/** A short reason for a network failure (fetch hides it in `cause`). */
function describe(/** @type {Error} */ error) {
  const cause = /** @type {{ code?: string, message?: string } | undefined} */ (/** @type {{ cause?: unknown }} */ (error).cause);
  return cause?.code ?? cause?.message ?? error.message;
}

/** @param {string} text */
function parseJson(text) {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, value: undefined };
  }
}

module.exports = { call, describe, parseJson };
