import { Kafka, logLevel } from 'kafkajs';
import { DEAD_LETTER_HEADERS } from '../../modules/trigger/kafka';
import { idempotentInvocationId } from '../../modules/task/invocation-start';
import { readTopic } from '../support/kafka';
import { functionName, startTestPyFaaS, waitForInvocation, type TestPyFaaS } from '../support/pyfaas';
import { testServices } from '../support/services';

const ECHO = { inline: 'def handler(event, context):\n    return event\n' };

/** Kafka triggers and the invoke topic through the real API, bridge, Kafka and Temporal. */
describe('Kafka triggers and the invoke topic', () => {
  let pyfaas: TestPyFaaS;
  let kafka: Kafka;

  const deploy = async (name: string) => {
    const response = await pyfaas.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code: ECHO });
    expect(response.status).toBe(201);
  };

  const produce = async (topic: string, messages: Array<{ key?: string; value: string | Buffer; headers?: Record<string, string> }>) => {
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    await producer.send({ topic, messages, acks: -1 });
    await producer.disconnect();
  };

  /** The finished invocations of a function, by polling the invocation list. */
  const finished = async (fn: string, count: number, timeoutMs = 60_000): Promise<any[]> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { body } = await pyfaas.request('GET', `/v1/invocations?function=${fn}&limit=100`);
      const done = body.items.filter((item: any) => item.status === 'succeeded' || item.status === 'failed');
      if (done.length >= count) return Promise.all(done.map((item: any) => waitForInvocation(pyfaas, item.invocationId)));
      if (Date.now() > deadline) throw new Error(`${done.length} of ${count} invocations of ${fn} finished in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 300));
    }
  };

  const admin = () => kafka.admin();
  const createTopic = async (topic: string, numPartitions = 1) => {
    const a = admin();
    await a.connect();
    await a.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true });
    await a.disconnect();
  };

  beforeAll(async () => {
    pyfaas = await startTestPyFaaS({ database: 'sqlite' });
    kafka = new Kafka({ brokers: testServices().kafkaBrokers, clientId: 'kafka-triggers-test', logLevel: logLevel.NOTHING });
  });
  afterAll(() => pyfaas.close());

  it('creates the invoke topic at start, before any producer writes to it', async () => {
    const a = admin();
    await a.connect();
    try {
      const deadline = Date.now() + 20_000;
      while (!(await a.listTopics()).includes(pyfaas.invokeTopic)) {
        if (Date.now() > deadline) throw new Error(`${pyfaas.invokeTopic} was not created`);
        await new Promise((r) => setTimeout(r, 250));
      }
    } finally {
      await a.disconnect();
    }
  });

  it('turns each record into one invocation whose event carries the record', async () => {
    const fn = functionName('orders');
    const topic = `orders-${fn}`;
    await deploy(fn);
    await createTopic(topic, 2);
    const created = await pyfaas.request('POST', '/v1/triggers', { name: `t-${fn}`, kind: 'kafka', function: fn, config: { topic, startFrom: 'earliest' } });
    expect(created.status).toBe(201);
    expect(created.body.trigger).toMatchObject({ name: `t-${fn}`, kind: 'kafka', function: fn, paused: false, config: { topic, startFrom: 'earliest', maxInFlight: 64 } });
    await produce(topic, [
      { key: 'a', value: JSON.stringify({ order: 1 }), headers: { source: 'test' } },
      { key: 'b', value: 'plain text' },
    ]);
    const invocations = await finished(fn, 2);
    expect(invocations).toHaveLength(2);
    for (const invocation of invocations) {
      expect(invocation).toMatchObject({ status: 'succeeded', mode: 'async', trigger: `kafka:t-${fn}`, version: 1 });
      expect(invocation.invocationId).toMatch(new RegExp(`^kafka:t-${fn}:${topic}:[01]:\\d+$`));
    }
    const events = invocations.map((i) => i.result).sort((x, y) => String(x.key).localeCompare(String(y.key)));
    expect(events[0]).toMatchObject({ topic, key: 'a', value: { order: 1 }, valueEncoding: 'json', headers: { source: 'test' } });
    expect(events[1]).toMatchObject({ topic, key: 'b', value: 'plain text', valueEncoding: 'text' });
    expect(typeof events[0].offset).toBe('string');
    expect(Date.parse(events[0].timestamp)).toBeGreaterThan(0);
    // The bridge in this process reports the trigger's live state.
    const view = await pyfaas.request('GET', `/v1/triggers/t-${fn}`);
    expect(view.body.bridge).toMatchObject({ id: `t-${fn}`, state: 'running', started: 2 });
  });

  it('stops starting while paused and catches up on resume; the trigger goes when its function goes', async () => {
    const fn = functionName('pause');
    const topic = `pause-${fn}`;
    await deploy(fn);
    await createTopic(topic);
    await pyfaas.request('POST', '/v1/triggers', { name: `t-${fn}`, kind: 'kafka', function: fn, config: { topic, startFrom: 'earliest' } });
    await produce(topic, [{ value: '{"n":1}' }]);
    await finished(fn, 1);
    expect((await pyfaas.request('PATCH', `/v1/triggers/t-${fn}`, { paused: true })).body.paused).toBe(true);
    await produce(topic, [{ value: '{"n":2}' }]);
    await new Promise((r) => setTimeout(r, 4000));
    expect((await pyfaas.request('GET', `/v1/invocations?function=${fn}`)).body.items).toHaveLength(1);
    await pyfaas.request('PATCH', `/v1/triggers/t-${fn}`, { paused: false });
    expect((await finished(fn, 2)).map((i) => i.result.value.n).sort()).toEqual([1, 2]);

    expect((await pyfaas.request('DELETE', `/v1/functions/${fn}`)).status).toBe(204);
    expect((await pyfaas.request('GET', `/v1/triggers/t-${fn}`)).status).toBe(404);
  });

  it('starts async invocations from the invoke topic, once per idempotency key', async () => {
    const fn = functionName('invoked');
    await deploy(fn);
    const request = JSON.stringify({ function: fn, event: { hello: 'kafka' }, idempotencyKey: `key-${fn}` });
    await produce(pyfaas.invokeTopic, [{ value: request }, { value: request }, { value: JSON.stringify({ function: fn, event: 2 }) }]);
    const invocations = await finished(fn, 2);
    const keyed = invocations.find((i) => i.invocationId === idempotentInvocationId(fn, `key-${fn}`));
    expect(keyed).toMatchObject({ status: 'succeeded', result: { hello: 'kafka' }, trigger: 'kafka:invoke', mode: 'async' });
    expect(invocations.find((i) => i !== keyed)).toMatchObject({ status: 'succeeded', result: 2 });
    await new Promise((r) => setTimeout(r, 1500));
    expect((await pyfaas.request('GET', `/v1/invocations?function=${fn}`)).body.items).toHaveLength(2);
  });

  it('dead-letters invoke-topic records that cannot start, with the reason, and moves on', async () => {
    const fn = functionName('after-bad');
    await deploy(fn);
    await produce(pyfaas.invokeTopic, [
      { key: 'not-json', value: 'this is not json' },
      { key: 'no-function', value: JSON.stringify({ function: 'no-such-function', event: {} }) },
      { key: 'bad-shape', value: JSON.stringify({ fn: 'x' }) },
      { key: 'fine', value: JSON.stringify({ function: fn, event: 'ok' }) },
    ]);
    expect((await finished(fn, 1))[0]).toMatchObject({ status: 'succeeded', result: 'ok' });
    const letters = await readTopic(kafka, pyfaas.deadLetterTopic, 3);
    const byKey = Object.fromEntries(letters.map((l) => [l.key, l.headers]));
    expect(byKey['not-json'][DEAD_LETTER_HEADERS.detail]).toMatch(/not JSON/);
    expect(byKey['no-function'][DEAD_LETTER_HEADERS.detail]).toMatch(/No function named "no-such-function"/);
    expect(byKey['bad-shape'][DEAD_LETTER_HEADERS.detail]).toMatch(/function: Required/);
    for (const headers of Object.values(byKey) as Array<Record<string, string>>) expect(headers[DEAD_LETTER_HEADERS.reason]).toBe('start-rejected');
  });

  it('answers bad trigger input with stable codes and stores nothing', async () => {
    const fn = functionName('bad');
    await deploy(fn);
    const post = (body: object) => pyfaas.request('POST', '/v1/triggers', body);
    const badTopic = await post({ name: `b1-${fn}`, kind: 'kafka', function: fn, config: { topic: 'no spaces allowed' } });
    expect(badTopic.status).toBe(400);
    expect(badTopic.body.error).toMatchObject({ code: 'INVALID_INPUT' });
    expect(badTopic.body.error.message).toMatch(/config.topic/);
    expect((await post({ name: `b2-${fn}`, kind: 'kafka', function: 'no-such-fn', config: { topic: 'x' } })).body.error.code).toBe('FUNCTION_NOT_FOUND');
    expect((await post({ name: `b3-${fn}`, kind: 'telepathy', function: fn })).body.error.code).toBe('UNKNOWN_TRIGGER_KIND');
    expect((await post({ name: `b4-${fn}`, kind: 'kafka', function: fn, config: { topicPattern: '(' } })).status).toBe(400);
    expect((await pyfaas.request('POST', '/v1/triggers', 'not json', { 'content-type': 'application/json' })).body.error.code).toBe('INVALID_JSON');
    expect((await post({ name: `ok-${fn}`, kind: 'kafka', function: fn, config: { topic: 'ok' } })).status).toBe(201);
    const taken = await post({ name: `ok-${fn}`, kind: 'kafka', function: fn, config: { topic: 'ok2' } });
    expect(taken.status).toBe(409);
    const group = await post({ name: `g-${fn}`, kind: 'kafka', function: fn, config: { topic: 'ok', groupId: `pyfaas-ok-${fn}` } });
    expect(group.status).toBe(409);
    expect(group.body.error.code).toBe('TRIGGER_CONFLICT');
    const names = (await pyfaas.request('GET', `/v1/triggers?function=${fn}`)).body.items.map((t: any) => t.name);
    expect(names).toEqual([`ok-${fn}`]);
    expect((await pyfaas.request('PATCH', `/v1/triggers/ok-${fn}`, { config: { topic: '' } })).status).toBe(400);
    expect((await pyfaas.request('DELETE', `/v1/triggers/ok-${fn}`)).status).toBe(204);
    expect((await pyfaas.request('DELETE', `/v1/triggers/ok-${fn}`)).body.error.code).toBe('TRIGGER_NOT_FOUND');
  });
});
