import { randomUUID } from 'node:crypto';
import { functionName, startTestPyFaaS, waitForInvocation, type TestPyFaaS } from '../support/pyfaas';

/** Echoes the event, or answers with a status, headers and body when `?respond=` asks for one. */
const ECHO = `import base64

def handler(event, context):
    respond = event["query"].get("respond")
    if respond == "custom":
        return {"statusCode": 418, "headers": {"X-Teapot": "short and stout"}, "body": "I'm a teapot"}
    if respond == "binary":
        return {"statusCode": 200, "headers": {"content-type": "image/png"}, "body": base64.b64encode(bytes([0, 1, 2, 255])).decode(), "isBase64Encoded": True}
    if respond == "raise":
        raise ValueError("asked to fail")
    return {key: event[key] for key in ("method", "path", "route", "pathParams", "query", "headers", "body", "isBase64Encoded", "requestId")}
`;

describe('HTTP triggers', () => {
  let pyfaas: TestPyFaaS;
  let fn: string;

  /** A path prefix of its own per test, so routes never meet across tests. */
  const prefix = () => `/p-${randomUUID().slice(0, 8)}`;
  const createTrigger = (config: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    pyfaas.request('POST', '/v1/triggers', { name: functionName('http'), kind: 'http', function: fn, config, ...extra });

  beforeAll(async () => {
    pyfaas = await startTestPyFaaS({ database: 'sqlite' });
    fn = functionName('echo');
    const deployed = await pyfaas.request('POST', '/v1/functions', { name: fn, runtime: 'python3', handler: 'main.handler', code: { inline: ECHO } });
    expect(deployed.status).toBe(201);
  });
  afterAll(() => pyfaas.close());

  it('serves a public route without a key, passing the path params, query and headers', async () => {
    const base = prefix();
    const created = await createTrigger({ method: 'get', path: `${base}/{id}`, auth: 'public' });
    expect(created.status).toBe(201);
    expect(created.body.apiKey).toBeUndefined();
    expect(created.body.trigger).toMatchObject({ kind: 'http', config: { method: 'GET', path: `${base}/{id}`, auth: 'public', mode: 'sync' }, requiresApiKey: false });

    const response = await pyfaas.request('GET', `/t${base}/order%2042?tag=a&tag=b&q=x`, undefined, { 'X-Custom': 'yes' });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      method: 'GET', path: `/t${base}/order%2042`, route: `${base}/{id}`, pathParams: { id: 'order 42' }, query: { tag: ['a', 'b'], q: 'x' },
      headers: { 'x-custom': 'yes' }, body: '', isBase64Encoded: false, requestId: response.headers.get('x-request-id'),
    });
    const invocationId = response.headers.get('x-pyfaas-invocation-id')!;
    expect((await pyfaas.request('GET', `/v1/invocations/${invocationId}`)).body).toMatchObject({ status: 'succeeded', trigger: `http:${created.body.trigger.name}` });
  });

  it('answers a private route 401 without the key or with a wrong one, 200 with the key it was created with', async () => {
    const path = `${prefix()}/orders`;
    const created = await createTrigger({ method: 'POST', path });
    expect(created.status).toBe(201);
    const { apiKey } = created.body;
    expect(apiKey).toMatch(/^pfk_/);

    const without = await pyfaas.request('POST', `/t${path}`, { n: 1 });
    expect(without.status).toBe(401);
    expect(without.body.error.code).toBe('UNAUTHENTICATED');
    expect((await pyfaas.request('POST', `/t${path}`, { n: 1 }, { 'x-api-key': `${apiKey}x` })).status).toBe(401);

    const withKey = await pyfaas.request('POST', `/t${path}`, { n: 1 }, { 'x-api-key': apiKey });
    expect(withKey.status).toBe(200);
    expect(withKey.body).toMatchObject({ method: 'POST', body: '{"n":1}', isBase64Encoded: false, headers: { 'content-type': 'application/json' } });
    expect(withKey.body.headers['x-api-key']).toBeUndefined();
    expect((await pyfaas.request('POST', `/t${path}`, { n: 2 }, { authorization: `Bearer ${apiKey}` })).status).toBe(200);
  });

  it('refuses a route that conflicts with an existing one (409) and a bad path or method (400)', async () => {
    const base = prefix();
    expect((await createTrigger({ method: 'GET', path: `${base}/{id}`, auth: 'public' })).status).toBe(201);
    const conflict = await createTrigger({ method: 'ANY', path: `${base}/{key}` });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe('TRIGGER_CONFLICT');
    // A literal beside a param, or another method, is no conflict.
    expect((await createTrigger({ method: 'GET', path: `${base}/new`, auth: 'public' })).status).toBe(201);
    expect((await createTrigger({ method: 'DELETE', path: `${base}/{id}` })).status).toBe(201);

    const bad = await createTrigger({ method: 'FETCH', path: `${base}//{x}` });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('INVALID_INPUT');
    expect(bad.body.error.details.issues.map((issue: { path: string }) => issue.path)).toEqual(['config.method', 'config.path']);
    expect((await createTrigger({ method: 'GET', path: 'no-slash' })).status).toBe(400);
  });

  it('answers an async route with 202 and the invocation, which later succeeds', async () => {
    const path = `${prefix()}/jobs`;
    expect((await createTrigger({ method: 'POST', path, auth: 'public', mode: 'async' })).status).toBe(201);
    const response = await pyfaas.request('POST', `/t${path}?job=1`, 'plain text', { 'content-type': 'text/plain' });
    expect(response.status).toBe(202);
    expect(response.body.status).toBe('queued');
    expect(response.headers.get('location')).toBe(`/v1/invocations/${response.body.invocationId}`);
    const done = await waitForInvocation(pyfaas, response.body.invocationId);
    expect(done).toMatchObject({ status: 'succeeded', mode: 'async', result: { body: 'plain text', query: { job: '1' }, isBase64Encoded: false } });
  });

  it('passes a binary body as base64', async () => {
    const path = `${prefix()}/upload`;
    expect((await createTrigger({ method: 'PUT', path, auth: 'public' })).status).toBe(201);
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xff, 0x00]);
    const response = await fetch(`${pyfaas.url}/t${path}`, { method: 'PUT', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ body: bytes.toString('base64'), isBase64Encoded: true });
  });

  it("sends the function's status, headers and body; a function error is a 502", async () => {
    const base = prefix();
    expect((await createTrigger({ method: 'GET', path: `${base}/{rest+}`, auth: 'public' })).status).toBe(201);
    const custom = await fetch(`${pyfaas.url}/t${base}/a/b?respond=custom`);
    expect(custom.status).toBe(418);
    expect(custom.headers.get('x-teapot')).toBe('short and stout');
    expect(await custom.text()).toBe("I'm a teapot");

    const binary = await fetch(`${pyfaas.url}/t${base}/img?respond=binary`);
    expect(binary.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await binary.arrayBuffer())).toEqual(Buffer.from([0, 1, 2, 255]));

    const failed = await pyfaas.request('GET', `/t${base}/x?respond=raise`);
    expect(failed.status).toBe(502);
    expect(failed.body.error).toMatchObject({ code: 'FUNCTION_ERROR', type: 'ValueError', message: 'asked to fail' });
    expect(failed.headers.get('x-pyfaas-invocation-id')).toBeTruthy();
  });

  it('stops answering a route as soon as its trigger is deleted', async () => {
    const path = `${prefix()}/gone`;
    const created = await createTrigger({ method: 'GET', path, auth: 'public' });
    expect((await pyfaas.request('GET', `/t${path}`)).status).toBe(200);
    expect((await pyfaas.request('DELETE', `/v1/triggers/${created.body.trigger.name}`)).status).toBe(204);
    const after = await pyfaas.request('GET', `/t${path}`);
    expect(after.status).toBe(404);
    expect(after.body.error.code).toBe('ROUTE_NOT_FOUND');
  });
});
