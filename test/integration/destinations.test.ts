import { createServer, type Server } from 'node:http';
import { Kafka, logLevel } from 'kafkajs';
import { freePort } from '../../infra/ports';
import { DEAD_LETTER_HEADERS } from '../../modules/trigger/kafka';
import { readTopic } from '../support/kafka';
import { functionName, startTestPyFaaS, waitForInvocation, type TestPyFaaS } from '../support/pyfaas';
import { testServices } from '../support/services';

const PY = (body: string) => ({ inline: `def handler(event, context):\n    ${body}\n` });

interface Hit {
  status: number;
  deliveryId: string;
  condition: string;
  body: any;
}

/** A webhook the test controls: answers each request with the next status of `plan` (then the last one). */
async function webhook(plan: number[]): Promise<{ url: string; hits: Hit[]; server: Server }> {
  const hits: Hit[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => {
      const status = plan[Math.min(hits.length, plan.length - 1)];
      hits.push({ status, deliveryId: String(req.headers['x-pyfaas-delivery-id']), condition: String(req.headers['x-pyfaas-condition']), body: JSON.parse(text) });
      res.writeHead(status).end();
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}/hook`, hits, server };
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Destinations: an async invocation's record goes to a Kafka topic or a webhook, retried, else dead-lettered. */
describe('destinations', () => {
  let pyfaas: TestPyFaaS;
  let kafka: Kafka;
  const servers: Server[] = [];

  const deploy = async (name: string, body: string, destinations: object) => {
    const response = await pyfaas.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code: PY(body), destinations, retry: { maxAttempts: 1 } });
    expect(response.status).toBe(201);
    return response;
  };
  const invokeAsync = async (name: string, event: unknown) => {
    const response = await pyfaas.request('POST', `/v1/functions/${name}/invoke?async=true`, event);
    expect(response.status).toBe(202);
    return response.body.invocationId as string;
  };

  beforeAll(async () => {
    pyfaas = await startTestPyFaaS({ database: 'sqlite' });
    kafka = new Kafka({ brokers: testServices().kafkaBrokers, clientId: 'destinations-test', logLevel: logLevel.NOTHING });
  });
  afterAll(async () => {
    for (const server of servers) server.close();
    await pyfaas.close();
  });

  it('delivers a success to a Kafka topic, and nothing for a sync invocation', async () => {
    const name = functionName('dest-ok');
    const topic = `done-${name}`;
    await deploy(name, 'return {"doubled": event["n"] * 2}', { onSuccess: { type: 'kafka', topic } });
    expect((await pyfaas.request('POST', `/v1/functions/${name}/invoke`, { n: 1 })).body.status).toBe('succeeded');
    const id = await invokeAsync(name, { n: 21 });
    await waitForInvocation(pyfaas, id);
    const [record] = await readTopic(kafka, topic, 1);
    expect(record.key).toBe(id);
    expect(record.headers['pyfaas-condition']).toBe('success');
    expect(JSON.parse(record.value!)).toMatchObject({
      invocationId: id, condition: 'success', functionName: name, version: 1, status: 'succeeded', trigger: 'api',
      event: { n: 21 }, result: { doubled: 42 }, attempts: 1,
    });
    // Only the async invocation was delivered.
    await new Promise((r) => setTimeout(r, 1000));
    expect(await readTopic(kafka, topic, 1)).toHaveLength(1);
  });

  it('delivers a failure to a webhook once, after the webhook was down for a while', async () => {
    const hook = await webhook([503, 503, 200]);
    servers.push(hook.server);
    const name = functionName('dest-fail');
    await deploy(name, 'raise ValueError("broken " + event["why"])', { onFailure: { type: 'webhook', url: hook.url, headers: { 'x-team': 'payments' } } });
    const id = await invokeAsync(name, { why: 'on purpose' });
    await until(() => hook.hits.some((h) => h.status === 200), 60_000, 'a delivered webhook call');
    await new Promise((r) => setTimeout(r, 3000));
    expect(hook.hits.map((h) => h.status)).toEqual([503, 503, 200]);
    expect(new Set(hook.hits.map((h) => h.deliveryId))).toEqual(new Set([`${id}:failure`]));
    expect(hook.hits[2].body).toMatchObject({ invocationId: id, condition: 'failure', status: 'failed', error: { type: 'ValueError', message: 'broken on purpose' }, event: { why: 'on purpose' } });
    expect(await waitForInvocation(pyfaas, id)).toMatchObject({ status: 'failed' });
  });

  it('dead-letters the record when the webhook refuses it', async () => {
    const hook = await webhook([410]);
    servers.push(hook.server);
    const name = functionName('dest-dlq');
    await deploy(name, 'raise RuntimeError("nope")', { onFailure: { type: 'webhook', url: hook.url } });
    const id = await invokeAsync(name, { n: 1 });
    const [letter] = await readTopic(kafka, pyfaas.deadLetterTopic, 1);
    expect(hook.hits).toHaveLength(1);
    expect(letter.key).toBe(id);
    expect(letter.headers[DEAD_LETTER_HEADERS.reason]).toBe('destination-failed');
    expect(letter.headers[DEAD_LETTER_HEADERS.detail]).toMatch(/HTTP 410/);
    expect(letter.headers['pyfaas-destination']).toBe(hook.url);
    expect(JSON.parse(letter.value!)).toMatchObject({ invocationId: id, condition: 'failure', error: { type: 'RuntimeError' } });
  });

  it('refuses destinations that are not http(s) webhooks or valid topics', async () => {
    const post = (destinations: object) => pyfaas.request('POST', '/v1/functions', { name: functionName('bad-dest'), runtime: 'python3', handler: 'main.handler', code: PY('return 1'), destinations });
    const ftp = await post({ onFailure: { type: 'webhook', url: 'ftp://example.com/x' } });
    expect(ftp.status).toBe(400);
    expect(ftp.body.error.message).toMatch(/destinations.onFailure.url: must be an http/);
    expect((await post({ onSuccess: { type: 'kafka', topic: 'bad topic' } })).status).toBe(400);
    expect((await post({ onSuccess: { type: 'email', to: 'x' } })).status).toBe(400);
  });
});
