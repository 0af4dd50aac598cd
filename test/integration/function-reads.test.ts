import { freePort } from '../../infra/ports';
import { startCli, type CliProcess } from '../support/cli';
import { eventually } from '../support/http';
import { functionName, startTestPyFaaS, type TestPyFaaS } from '../support/pyfaas';

const RETURNS = (value: number) => ({ inline: `def handler(event, context):\n    return ${value}\n` });

/**
 * The invoke path reads functions, versions and aliases from a per-process cache: a change
 * made through one process must reach another sharing the meta store within a bounded time
 * (the change feed polls every 200 ms).
 */
describe('cached function reads follow changes made on another process', () => {
  let pyfaas: TestPyFaaS;
  let other: CliProcess;
  let otherUrl: string;

  const invokeOn = async (base: string, name: string, query = '') => {
    const response = await fetch(`${base}/v1/functions/${name}/invoke${query}`, {
      method: 'POST', body: '{}', headers: { authorization: `Bearer ${pyfaas.adminToken}`, 'content-type': 'application/json' },
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  /** How long until `check` holds, polling every 20 ms; fails the test past `limitMs`. */
  const timeUntil = async (check: () => Promise<boolean>, limitMs: number): Promise<number> => {
    const started = Date.now();
    while (!(await check())) {
      if (Date.now() - started > limitMs) throw new Error(`still stale after ${limitMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return Date.now() - started;
  };

  beforeAll(async () => {
    pyfaas = await startTestPyFaaS({ database: 'postgres' });
    const port = await freePort();
    otherUrl = `http://127.0.0.1:${port}`;
    other = startCli(['serve'], { ...pyfaas.env, PYFAAS_ROLE: 'api', PYFAAS_API_PORT: String(port), PYFAAS_NODE_ID: 'api-b', PYFAAS_LOG_LEVEL: 'warn' });
    const up = await eventually(async () => (await fetch(`${otherUrl}/readyz`)).status === 200, 60_000);
    if (!up) throw new Error(`the second process did not come up:\n${other.output()}`);
  });
  afterAll(async () => {
    other?.child.kill('SIGKILL');
    await pyfaas.close();
  });

  it('a new active version, then an alias change, are used by the other process within a second', async () => {
    const name = functionName('reads');
    expect((await pyfaas.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code: RETURNS(1) })).status).toBe(201);
    expect((await invokeOn(otherUrl, name)).body).toMatchObject({ status: 'succeeded', result: 1 });
    expect((await invokeOn(otherUrl, name)).body.result).toBe(1); // now cached there

    const patched = await pyfaas.request('PATCH', `/v1/functions/${name}`, { code: RETURNS(2) });
    expect(patched.status).toBe(200);
    // The process that made the change sees it at once; the other within the feed's interval.
    expect((await invokeOn(pyfaas.url, name)).body.result).toBe(2);
    expect(await timeUntil(async () => (await invokeOn(otherUrl, name)).body.result === 2, 2000)).toBeLessThan(2000);

    expect((await pyfaas.request('PUT', `/v1/functions/${name}/aliases/live`, { versions: [{ version: 1, weight: 100 }] })).status).toBe(200);
    expect(await timeUntil(async () => (await invokeOn(otherUrl, name, '?alias=live')).body.result === 1, 2000)).toBeLessThan(2000);
    expect((await pyfaas.request('PUT', `/v1/functions/${name}/aliases/live`, { versions: [{ version: 2, weight: 100 }] })).status).toBe(200);
    expect(await timeUntil(async () => (await invokeOn(otherUrl, name, '?alias=live')).body.result === 2, 2000)).toBeLessThan(2000);

    // Deleted: the other process stops invoking it, with the not-found error.
    expect((await pyfaas.request('DELETE', `/v1/functions/${name}`)).status).toBeLessThan(300);
    expect(await timeUntil(async () => (await invokeOn(otherUrl, name)).status === 404, 2000)).toBeLessThan(2000);
  });
});
