import { createApp } from '../../../../api';
import { httpTriggerRoutes } from '../../../../api/routes/http-triggers';
import { silentLogger } from '../../../../common/logger';
import type { InvocationView } from '../../../../modules/task/invocation-view';
import type { Invoker } from '../../../../modules/task/invoker';
import type { Trigger } from '../../../../modules/trigger/contract';
import type { HttpTriggerEvent } from '../../../../modules/trigger/http';
import { hashApiKey, type TriggerService } from '../../../../modules/trigger/service';
import { anonymousGuard } from '../../../support/guard';
import { serveOnFreePort, type TestServer } from '../../../support/http';

const KEY = 'pfk_test-key';

function trigger(name: string, config: Record<string, unknown>, extra: Partial<Trigger> = {}): Trigger {
  return {
    id: name, name, kind: 'http', functionName: `fn-${name}`, config: { auth: 'public', mode: 'sync', ...config }, paused: false, description: '',
    apiKeyHash: config.auth === 'api-key' ? hashApiKey(KEY) : undefined, createdAt: new Date(), updatedAt: new Date(), ...extra,
  } as Trigger;
}

describe('the HTTP trigger router', () => {
  let server: TestServer;
  let stored: Trigger[] = [];
  let lists = 0;
  const listeners: Array<() => void> = [];
  const events: HttpTriggerEvent[] = [];
  let result: Partial<InvocationView> = { status: 'succeeded', result: { ok: true } };

  const triggers = {
    list: async () => {
      lists++;
      return stored;
    },
    onChange: (listener: () => void) => listeners.push(listener),
  } as unknown as TriggerService;
  const invoker = {
    invokeSync: async (functionName: string, event: HttpTriggerEvent, options: { trigger: string }) => {
      events.push(event);
      return { invocationId: `${functionName}-sync`, functionName, trigger: options.trigger, ...result } as InvocationView;
    },
    invokeAsync: async (functionName: string, event: HttpTriggerEvent) => {
      events.push(event);
      return { invocationId: `${functionName}-async` };
    },
  } as unknown as Invoker;

  const call = (method: string, path: string, init: { headers?: Record<string, string>; body?: RequestInit['body'] } = {}) =>
    fetch(`${server.url}${path}`, { method, ...init });

  beforeAll(async () => {
    stored = [
      trigger('open', { method: 'GET', path: '/open/{id}' }),
      trigger('locked', { method: 'POST', path: '/locked', auth: 'api-key' }),
      trigger('later', { method: 'ANY', path: '/later/{rest+}', mode: 'async' }),
      trigger('resting', { method: 'GET', path: '/resting' }, { paused: true }),
    ];
    const routes = httpTriggerRoutes({ triggers, invoker, bodyLimitBytes: 64, logger: silentLogger(), routesMaxAgeMs: 60_000 });
    server = await serveOnFreePort(createApp({ logger: silentLogger(), routes, guard: anonymousGuard(), bodyLimitBytes: 64 }).callback());
  });
  afterAll(() => server.close());

  it('answers a public route with the function result, the event carrying the request', async () => {
    const response = await call('GET', '/t/open/a%20b?x=1&x=2&y=3', { headers: { 'X-Custom': 'v' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-pyfaas-invocation-id')).toBe('fn-open-sync');
    expect(await response.json()).toEqual({ ok: true });
    expect(events.at(-1)).toMatchObject({
      method: 'GET', path: '/t/open/a%20b', route: '/open/{id}', pathParams: { id: 'a b' }, query: { x: ['1', '2'], y: '3' },
      headers: { 'x-custom': 'v' }, body: '', isBase64Encoded: false,
    });
    expect(events.at(-1)!.requestId).toBe(response.headers.get('x-request-id'));
  });

  it('answers 404 ROUTE_NOT_FOUND and 405 METHOD_NOT_ALLOWED with Allow', async () => {
    const missing = await call('GET', '/t/nowhere');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as any).error).toMatchObject({ code: 'ROUTE_NOT_FOUND' });
    const wrongMethod = await call('DELETE', '/t/open/1');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET');
    expect(((await wrongMethod.json()) as any).error).toMatchObject({ code: 'METHOD_NOT_ALLOWED', details: { allow: ['GET'] } });
  });

  it('asks for the API key in x-api-key or a bearer token, and keeps it from the function', async () => {
    const refused: Array<Record<string, string>> = [{}, { 'x-api-key': 'wrong' }, { authorization: 'Bearer wrong' }, { authorization: KEY }];
    for (const headers of refused) {
      const response = await call('POST', '/t/locked', { headers, body: 'x' });
      expect(response.status).toBe(401);
      expect(((await response.json()) as any).error.code).toBe('UNAUTHENTICATED');
    }
    expect((await call('POST', '/t/locked', { headers: { 'x-api-key': KEY }, body: 'x' })).status).toBe(200);
    expect((await call('POST', '/t/locked', { headers: { authorization: `Bearer ${KEY}` }, body: 'x' })).status).toBe(200);
    expect(JSON.stringify(events.slice(-2))).not.toContain(KEY);
  });

  it('answers 503 TRIGGER_PAUSED for a paused trigger and 413 for a body over the limit', async () => {
    const paused = await call('GET', '/t/resting');
    expect(paused.status).toBe(503);
    expect(((await paused.json()) as any).error.code).toBe('TRIGGER_PAUSED');
    const declared = await call('POST', '/t/later/x', { body: 'x'.repeat(65) });
    expect(declared.status).toBe(413);
    // Chunked, without a Content-Length: the limit holds while reading.
    const stream = new ReadableStream({ start(controller) { controller.enqueue(new TextEncoder().encode('y'.repeat(100))); controller.close(); } });
    const chunked = await fetch(`${server.url}/t/later/x`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  it('answers an async route with 202, the id and its Location; binary bodies travel as base64', async () => {
    const bytes = Buffer.from([0xff, 0x00, 0x10]);
    const response = await call('PUT', '/t/later/a/b', { headers: { 'content-type': 'application/octet-stream' }, body: bytes });
    expect(response.status).toBe(202);
    expect(response.headers.get('location')).toBe('/v1/invocations/fn-later-async');
    expect(response.headers.get('x-pyfaas-invocation-id')).toBe('fn-later-async');
    expect(await response.json()).toEqual({ invocationId: 'fn-later-async', status: 'queued' });
    expect(events.at(-1)).toMatchObject({ method: 'PUT', pathParams: { rest: 'a/b' }, body: bytes.toString('base64'), isBase64Encoded: true });
  });

  it("sends the function's status, headers and body, and a 502 for a function error", async () => {
    result = { status: 'succeeded', result: { statusCode: 201, headers: { 'X-Made': 'yes' }, body: 'created' } };
    const made = await call('GET', '/t/open/1');
    expect(made.status).toBe(201);
    expect(made.headers.get('x-made')).toBe('yes');
    expect(made.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await made.text()).toBe('created');
    result = { status: 'succeeded', result: { statusCode: 204 } };
    expect((await call('GET', '/t/open/1')).status).toBe(204);
    result = { status: 'failed', error: { type: 'ValueError', message: 'bad' } };
    const failed = await call('GET', '/t/open/1');
    expect(failed.status).toBe(502);
    expect(failed.headers.get('x-pyfaas-invocation-id')).toBe('fn-open-sync');
    expect(((await failed.json()) as any).error).toMatchObject({ code: 'FUNCTION_ERROR', type: 'ValueError', message: 'bad' });
    result = { status: 'succeeded', result: { ok: true } };
  });

  it('reads the triggers again only after a change', async () => {
    const before = lists;
    await call('GET', '/t/open/1');
    await call('GET', '/t/open/2');
    expect(lists).toBe(before);
    stored = stored.filter((t) => t.name !== 'open');
    for (const listener of listeners) listener();
    expect((await call('GET', '/t/open/1')).status).toBe(404);
    expect(lists).toBe(before + 1);
  });
});
