import { buildEvent, encodeBody, type HttpRequestParts } from '../../../../modules/trigger/http';

const BINARY = Buffer.from([0xff, 0xfe, 0x00, 0x80]);

function request(fields: Partial<HttpRequestParts> = {}): HttpRequestParts {
  return {
    method: 'post', path: '/t/orders/42', route: '/orders/{id}', pathParams: { id: '42' }, query: {}, headers: {},
    body: Buffer.alloc(0), requestId: 'req-1', ...fields,
  };
}

describe('buildEvent', () => {
  it('carries method, path, route, params, query and the request id', () => {
    const event = buildEvent(request({ query: { q: 'x', tag: ['a', 'b'], none: undefined } }));
    expect(event).toEqual({
      method: 'POST', path: '/t/orders/42', route: '/orders/{id}', pathParams: { id: '42' }, query: { q: 'x', tag: ['a', 'b'] },
      headers: {}, body: '', isBase64Encoded: false, requestId: 'req-1',
    });
  });

  it('lowercases headers and drops the API key headers', () => {
    const event = buildEvent(request({ headers: { 'X-Api-Key': 'secret', authorization: 'Bearer secret', 'Content-Type': 'text/plain', accept: ['a', 'b'] } }));
    expect(event.headers).toEqual({ 'content-type': 'text/plain', accept: 'a, b' });
    expect(JSON.stringify(event)).not.toContain('secret');
  });

  it('keeps a text body as text and a binary one as base64', () => {
    const json = buildEvent(request({ headers: { 'content-type': 'application/json' }, body: Buffer.from('{"s":"é"}') }));
    expect(json).toMatchObject({ body: '{"s":"é"}', isBase64Encoded: false });
    const binary = buildEvent(request({ headers: { 'content-type': 'application/octet-stream' }, body: BINARY }));
    expect(binary).toMatchObject({ body: BINARY.toString('base64'), isBase64Encoded: true });
  });
});

describe('encodeBody', () => {
  it('decides by content type, then by whether the bytes are UTF-8', () => {
    expect(encodeBody(Buffer.from('a=1&b=2'), 'application/x-www-form-urlencoded')).toEqual({ body: 'a=1&b=2', isBase64Encoded: false });
    expect(encodeBody(Buffer.from('<a/>'), 'application/atom+xml; charset=utf-8')).toEqual({ body: '<a/>', isBase64Encoded: false });
    expect(encodeBody(Buffer.from('hi'), 'text/plain; charset=utf-8')).toEqual({ body: 'hi', isBase64Encoded: false });
    expect(encodeBody(Buffer.from('hi'), undefined)).toEqual({ body: 'hi', isBase64Encoded: false });
    // Text that is not UTF-8 (latin-1, gzip) cannot travel as a JSON string: base64.
    expect(encodeBody(BINARY, 'text/plain')).toEqual({ body: BINARY.toString('base64'), isBase64Encoded: true });
    expect(encodeBody(BINARY, undefined)).toEqual({ body: BINARY.toString('base64'), isBase64Encoded: true });
    // Even UTF-8 bytes of an image stay base64: the function decodes what the type says is binary.
    expect(encodeBody(Buffer.from('GIF89a'), 'image/gif')).toEqual({ body: Buffer.from('GIF89a').toString('base64'), isBase64Encoded: true });
  });
});
