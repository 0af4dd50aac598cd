import { createHmac, randomUUID } from 'node:crypto';
import path from 'node:path';
import { loadModulePackage } from '../../modules/package';
import { eventually } from '../support/http';
import { functionName, startTestPyFaaS, waitForInvocation, type TestPyFaaS } from '../support/pyfaas';

const PACKAGE_DIR = path.join(__dirname, '../../hub-modules/trigger-github-webhook');
/** Answers what GitHub sent it, so the test sees the event the trigger built. */
const HANDLER = 'def handler(event, context):\n    return {"got": event["event"], "delivery": event.get("delivery"), "ref": event["payload"].get("ref")}\n';

/** The github-webhook hub module, installed into a running PyFaaS's registry (no restart), as the hub's install will. */
describe('webhook triggers (github-webhook hub module)', () => {
  let pyfaas: TestPyFaaS;
  let fn: string;

  const secret = `s-${randomUUID()}`;
  const sign = (body: string, key = secret) => `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;
  /** A delivery as GitHub sends it: anonymous (no PyFaaS token), JSON, signed unless told otherwise. */
  const deliver = (trigger: string, body: string, headers: Record<string, string> = {}) =>
    pyfaas.request('POST', `/hooks/${trigger}`, body, {
      authorization: '', 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': sign(body), ...headers,
    });
  const createTrigger = (fnName: string, config: Record<string, unknown> = {}) =>
    pyfaas.request('POST', '/v1/triggers', { name: functionName('gh'), kind: 'github-webhook', function: fnName, config: { secret, ...config } });
  const install = async () => {
    const module = await loadModulePackage(PACKAGE_DIR);
    pyfaas.running.platform.registry.install(module, { type: 'hub', package: module.packageName, integrity: 'test' });
  };
  const invocationIds = async (fnName: string): Promise<string[]> => (await pyfaas.request('GET', `/v1/invocations?function=${fnName}`)).body.items.map((i: { invocationId: string }) => i.invocationId);

  beforeAll(async () => {
    pyfaas = await startTestPyFaaS({ database: 'sqlite' });
    fn = functionName('gh-fn');
    expect((await pyfaas.request('POST', '/v1/functions', { name: fn, runtime: 'python3', handler: 'main.handler', code: { inline: HANDLER } })).status).toBe(201);
  });
  afterAll(() => pyfaas.close());

  it('knows the kind only once the module is installed, without a restart', async () => {
    const before = await createTrigger(fn);
    expect(before.status).toBe(400);
    expect(before.body.error.code).toBe('UNKNOWN_TRIGGER_KIND');
    await install();
    expect((await createTrigger(fn)).status).toBe(201);
  });

  it('runs the bound function with a signed delivery, async, and never shows the secret', async () => {
    const created = await createTrigger(fn, { events: ['push', 'ping'] });
    expect(created.status).toBe(201);
    const name = created.body.trigger.name;
    expect(created.body.trigger).toMatchObject({ kind: 'github-webhook', function: fn, config: { events: ['push', 'ping'] } });
    expect(JSON.stringify(created.body)).not.toContain(secret);
    expect(JSON.stringify((await pyfaas.request('GET', `/v1/triggers/${name}`)).body)).not.toContain(secret);
    expect(JSON.stringify((await pyfaas.request('GET', '/v1/triggers?kind=github-webhook')).body)).not.toContain(secret);

    const delivery = randomUUID();
    const body = JSON.stringify({ ref: 'refs/heads/main', commits: [{ id: 'abc' }] });
    const answer = await deliver(name, body, { 'x-github-delivery': delivery });
    expect(answer.status).toBe(202);
    const invocationId = answer.headers.get('x-pyfaas-invocation-id');
    expect(answer.body).toEqual({ invocationId, status: 'queued' });
    const done = await waitForInvocation(pyfaas, invocationId!);
    expect(done).toMatchObject({ status: 'succeeded', trigger: `github-webhook:${name}`, result: { got: 'push', delivery, ref: 'refs/heads/main' } });

    // A redelivery (same X-GitHub-Delivery) gets the first invocation, not a second run.
    const again = await deliver(name, body, { 'x-github-delivery': delivery });
    expect(again.status).toBe(202);
    expect(again.headers.get('x-pyfaas-invocation-id')).toBe(invocationId);
  });

  it('starts nothing for a bad or missing signature (401), an ignored event (202) or a body that is not JSON (400)', async () => {
    const quiet = functionName('gh-quiet');
    expect((await pyfaas.request('POST', '/v1/functions', { name: quiet, runtime: 'python3', handler: 'main.handler', code: { inline: HANDLER } })).status).toBe(201);
    const name = (await createTrigger(quiet, { events: ['push'] })).body.trigger.name;
    const body = '{"ref":"refs/heads/x"}';

    const wrong = await deliver(name, body, { 'x-hub-signature-256': sign(body, 'not-the-secret-of-this-trigger') });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('UNAUTHENTICATED');
    expect(wrong.headers.get('x-pyfaas-invocation-id')).toBeNull();
    const tampered = await deliver(name, body.replace('x', 'y'), { 'x-hub-signature-256': sign(body) });
    expect(tampered.status).toBe(401);
    const unsigned = await pyfaas.request('POST', `/hooks/${name}`, body, { authorization: '', 'x-github-event': 'push', 'x-github-delivery': randomUUID() });
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.error.message).toMatch(/X-Hub-Signature-256/);

    const ignored = await deliver(name, body, { 'x-github-event': 'issues' });
    expect(ignored.status).toBe(202);
    expect(ignored.body).toEqual({ status: 'ignored', reason: "event issues is not one of this trigger's events (push)" });
    expect(ignored.headers.get('x-pyfaas-invocation-id')).toBeNull();
    const notJson = await deliver(name, 'not json');
    expect(notJson.status).toBe(400);

    // The one good delivery is the only invocation the function ever had.
    const good = await deliver(name, body);
    expect(good.status).toBe(202);
    const id = good.headers.get('x-pyfaas-invocation-id')!;
    expect(await eventually(async () => (await invocationIds(quiet)).includes(id), 15_000)).toBe(true);
    expect(await invocationIds(quiet)).toEqual([id]);
  });

  it('answers 404 HOOK_NOT_FOUND for no such trigger or a kind without webhooks, 503 when paused', async () => {
    for (const missing of ['no-such-trigger', 'Not_A_Name', 'x'.repeat(300)]) {
      const answer = await deliver(missing, '{}');
      expect(answer.status).toBe(404);
      expect(answer.body.error.code).toBe('HOOK_NOT_FOUND');
    }
    const http = await pyfaas.request('POST', '/v1/triggers', { name: functionName('http'), kind: 'http', function: fn, config: { method: 'POST', path: `/p-${randomUUID().slice(0, 8)}`, auth: 'public' } });
    expect(http.status).toBe(201);
    const notAHook = await deliver(http.body.trigger.name, '{}');
    expect(notAHook.status).toBe(404);
    expect(notAHook.body.error.code).toBe('HOOK_NOT_FOUND');

    const name = (await createTrigger(fn)).body.trigger.name;
    expect((await pyfaas.request('PATCH', `/v1/triggers/${name}`, { paused: true })).status).toBe(200);
    const paused = await deliver(name, '{}');
    expect(paused.status).toBe(503);
    expect(paused.body.error.code).toBe('TRIGGER_PAUSED');
    // Paused is only told to a sender that proves the secret.
    expect((await deliver(name, '{}', { 'x-hub-signature-256': sign('{}', 'wrong-secret-for-this-trigger') })).status).toBe(401);
  });

  it('refuses a body over the API limit with 413 before the kind reads it', async () => {
    const name = (await createTrigger(fn)).body.trigger.name;
    const big = JSON.stringify({ ref: 'x'.repeat(7 * 1024 * 1024) });
    const answer = await deliver(name, big);
    expect(answer.status).toBe(413);
  });

  it('answers 409 TRIGGER_KIND_NOT_INSTALLED once the kind is uninstalled, and works again when it is reinstalled', async () => {
    const name = (await createTrigger(fn)).body.trigger.name;
    pyfaas.running.platform.registry.uninstall('trigger', 'github-webhook');
    try {
      const gone = await deliver(name, '{"ref":"r"}');
      expect(gone.status).toBe(409);
      expect(gone.body.error.code).toBe('TRIGGER_KIND_NOT_INSTALLED');
      expect(gone.body.error.message).toMatch(/github-webhook.*not installed/);
      // Its triggers stay stored (and deletable); listings skip them while the kind is gone.
      const stored = await pyfaas.request('GET', `/v1/triggers/${name}`);
      expect(stored.status).toBe(200);
      expect(stored.body).toMatchObject({ name, kind: 'github-webhook', config: {} }); // no schema says which fields are secret: none shown
      expect(JSON.stringify(stored.body)).not.toContain(secret);
      expect((await pyfaas.request('GET', '/v1/triggers?kind=github-webhook')).body.items).toEqual([]);
    } finally {
      await install();
    }
    const back = await deliver(name, '{"ref":"r"}');
    expect(back.status).toBe(202);
    expect(await waitForInvocation(pyfaas, back.headers.get('x-pyfaas-invocation-id')!)).toMatchObject({ status: 'succeeded', result: { ref: 'r' } });
  });
});
