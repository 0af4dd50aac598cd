import { createApp, defineRoute } from '../../api';
import { healthRoutes } from '../../api/routes/health';
import { ConflictError, LimitExceededError } from '../../common/errors';
import { silentLogger } from '../../common/logger';
import { Readiness } from '../../process/readiness';
import { anonymousGuard } from '../support/guard';
import { serveOnFreePort, type TestServer } from '../support/http';

describe('the API app', () => {
  let server: TestServer;
  let databaseUp = true;

  beforeAll(async () => {
    const readiness = new Readiness(
      {
        temporal: async () => undefined,
        database: async () => {
          if (!databaseUp) throw new Error('connection refused');
        },
        slow: () => new Promise((resolve) => setTimeout(resolve, 50)),
      },
      1000,
    );
    const failing = (path: string, error: Error) =>
      defineRoute({ method: 'get', path, access: 'public', tag: 'Test', summary: path, responses: {}, handler: () => { throw error; } });
    const routes = [
      ...healthRoutes(readiness),
      failing('/conflict', new ConflictError('Function "a" already exists.')),
      failing('/too-big', new LimitExceededError('Body over 6 MiB.')),
      failing('/bug', new Error('secret internal detail')),
    ];
    // A caller with a credential sees the checks; anonymous callers only the status (test/integration/auth*).
    const guard = { ...anonymousGuard(), authenticate: async () => ({ id: 'token:t', name: 't', via: 'tokens', role: 'admin' as const, permissions: new Set<never>() }) };
    const app = createApp({ logger: silentLogger(), routes, guard, bodyLimitBytes: 1024 });
    server = await serveOnFreePort(app.callback());
  });
  afterAll(() => server.close());

  it('answers /healthz', async () => {
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
    expect((await response.json()) as any).toEqual({ status: 'ok' });
  });

  it('reports each dependency on /readyz with latency, 503 when one fails', async () => {
    databaseUp = true;
    let response = await fetch(`${server.url}/readyz`);
    let body = (await response.json()) as any;
    expect(response.status).toBe(200);
    expect(body.status).toBe('ok');
    expect(body.checks.slow.latencyMs).toBeGreaterThanOrEqual(40);

    databaseUp = false;
    response = await fetch(`${server.url}/readyz`);
    body = (await response.json()) as any;
    expect(response.status).toBe(503);
    expect(body.checks.database).toMatchObject({ status: 'failed', error: 'connection refused' });
    expect(body.checks.temporal.status).toBe('ok');
  });

  it('maps typed errors to their status and stable code, with the request id', async () => {
    const response = await fetch(`${server.url}/conflict`, { headers: { 'X-Request-Id': 'req-42' } });
    expect(response.status).toBe(409);
    expect(response.headers.get('x-request-id')).toBe('req-42');
    expect((await response.json()) as any).toEqual({ error: { code: 'CONFLICT', message: 'Function "a" already exists.', requestId: 'req-42' } });
    expect((await fetch(`${server.url}/too-big`)).status).toBe(413);
  });

  it('hides the message of an unexpected error behind a 500', async () => {
    const response = await fetch(`${server.url}/bug`);
    const body = (await response.json()) as any;
    expect(response.status).toBe(500);
    expect(body.error.code).toBe('INTERNAL');
    expect(JSON.stringify(body)).not.toContain('secret');
    expect(body.error.requestId).toMatch(/[0-9a-f-]{36}/);
  });

  it('answers an unknown route with a JSON 404', async () => {
    const response = await fetch(`${server.url}/nope`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as any).error.code).toBe('NOT_FOUND');
  });
});
