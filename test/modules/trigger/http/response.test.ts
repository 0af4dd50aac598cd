import { toHttpAnswer } from '../../../../modules/trigger/http';
import type { InvocationView } from '../../../../modules/task/invocation-view';

function succeeded(result: unknown): InvocationView {
  return { invocationId: 'fn-1', functionName: 'fn', status: 'succeeded', result };
}

function answer(result: unknown) {
  const { status, headers, body } = toHttpAnswer(succeeded(result), 'req-1');
  return { status, headers, text: body.toString('utf8'), body };
}

describe('toHttpAnswer', () => {
  it('sends a plain return value as a 200 JSON body', () => {
    expect(answer({ ok: true })).toMatchObject({ status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, text: '{"ok":true}' });
    expect(answer(null).text).toBe('null');
    expect(answer(undefined).text).toBe('null');
    expect(answer('hi').text).toBe('"hi"');
    // A statusCode that is no HTTP status is just data.
    expect(answer({ statusCode: 42 })).toMatchObject({ status: 200, text: '{"statusCode":42}' });
    expect(answer({ statusCode: '201' }).status).toBe(200);
  });

  it('maps a {statusCode, headers, body} response', () => {
    expect(answer({ statusCode: 201, headers: { 'X-Thing': 'a', 'Retry-After': 5, 'Set-Cookie': ['a=1', 'b=2'] }, body: 'made' })).toEqual({
      status: 201,
      headers: { 'x-thing': 'a', 'retry-after': '5', 'set-cookie': ['a=1', 'b=2'], 'content-type': 'text/plain; charset=utf-8' },
      text: 'made',
      body: Buffer.from('made'),
    });
    expect(answer({ statusCode: 200, headers: { 'content-type': 'text/html' }, body: '<p>' })).toMatchObject({ headers: { 'content-type': 'text/html' }, text: '<p>' });
    expect(answer({ statusCode: 404, body: { missing: 'x' } })).toMatchObject({ status: 404, headers: { 'content-type': 'application/json; charset=utf-8' }, text: '{"missing":"x"}' });
    expect(answer({ statusCode: 302, headers: { location: '/t/x' } })).toEqual({ status: 302, headers: { location: '/t/x' }, text: '', body: Buffer.alloc(0) });
  });

  it('decodes a base64 body and ignores headers the server computes', () => {
    const bytes = Buffer.from([0, 1, 2, 255]);
    const result = answer({ statusCode: 200, isBase64Encoded: true, body: bytes.toString('base64'), headers: { 'Content-Length': '999', 'content-type': 'image/png' } });
    expect(result.body.equals(bytes)).toBe(true);
    expect(result.headers).toEqual({ 'content-type': 'image/png' });
  });

  it('answers 502 INVALID_FUNCTION_RESPONSE for a response it cannot send', () => {
    for (const bad of [
      { statusCode: 200, headers: { 'bad header': 'x' } },
      { statusCode: 200, headers: { x: 'a\nb' } },
      { statusCode: 200, headers: { x: { nested: 1 } } },
      { statusCode: 200, headers: 'x' },
      { statusCode: 200, isBase64Encoded: true, body: { a: 1 } },
    ]) {
      const result = answer(bad);
      expect(result.status).toBe(502);
      expect(JSON.parse(result.text).error).toMatchObject({ code: 'INVALID_FUNCTION_RESPONSE', requestId: 'req-1' });
    }
  });

  it('answers 502 FUNCTION_ERROR for a function error and 504 FUNCTION_TIMEOUT for a timeout', () => {
    const failed = toHttpAnswer({ invocationId: 'i', functionName: 'fn', status: 'failed', error: { type: 'ValueError', message: 'bad', stack: 'secret trace' } }, 'req-1');
    expect(failed.status).toBe(502);
    expect(JSON.parse(failed.body.toString())).toEqual({ error: { code: 'FUNCTION_ERROR', message: 'bad', type: 'ValueError', requestId: 'req-1' } });
    const timedOut = toHttpAnswer({ invocationId: 'i', functionName: 'fn', status: 'timed_out', error: { type: 'Timeout', message: 'took too long' } }, 'req-1');
    expect(timedOut.status).toBe(504);
    expect(JSON.parse(timedOut.body.toString()).error).toMatchObject({ code: 'FUNCTION_TIMEOUT', message: 'took too long' });
  });
});
