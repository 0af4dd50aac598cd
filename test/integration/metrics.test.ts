import { Kafka, logLevel } from 'kafkajs';
import { freePort } from '../../infra/ports';
import { eventually } from '../support/http';
import { testServices } from '../support/services';
import { functionName, startTestPyFaaS, type TestPyFaaS } from '../support/pyfaas';
import { histogramOf, parsePrometheus, parseScrape, valueOf, type Family } from './metrics-scrape';

/**
 * Prometheus metrics on a real PyFaaS (role all): invocations that succeed, raise, time out
 * and cold-start move the FaaS counters and histograms by exactly what was done; the HTTP
 * counter names the route template; GET /metrics needs `metrics:read`; the metrics port
 * serves it without credentials; the text parses with a real parser.
 */
describe('metrics', () => {
  let pyfaas: TestPyFaaS;
  let metricsPort: number;
  const CODE = [
    'import time',
    'def handler(event, context):',
    '    # A Kafka record\'s event carries the record; its JSON value is the request.',
    '    if isinstance(event.get("value"), dict):',
    '        event = event["value"]',
    '    if event.get("raise"):',
    '        raise ValueError("asked to fail")',
    '    if event.get("sleep"):',
    '        time.sleep(event["sleep"])',
    '    return event.get("n")',
    '',
  ].join('\n');

  beforeAll(async () => {
    metricsPort = await freePort();
    pyfaas = await startTestPyFaaS({ database: 'sqlite', env: { PYFAAS_METRICS_PORT: String(metricsPort) } });
  });
  afterAll(() => pyfaas.close());

  const scrape = async (headers: Record<string, string> = { authorization: `Bearer ${pyfaas.adminToken}` }) => {
    const response = await fetch(`${pyfaas.url}/metrics`, { headers });
    return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
  };
  const families = async () => (await scraped()).families;
  const scraped = async () => {
    const { status, text } = await scrape();
    expect(status).toBe(200);
    return parseScrape(text);
  };

  it('counts success, error, timeout and cold start by exactly what ran, with duration and init histograms', async () => {
    const name = functionName('metered');
    const created = await pyfaas.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code: { inline: CODE }, timeoutMs: 1500 });
    expect(created.status).toBe(201);
    const before = await families();
    const fn = { function: name, version: '1', trigger: 'api' };
    expect(valueOf(before, 'pyfaas_faas_invocations_total', fn)).toBe(0);

    const calls = [{ n: 1 }, { n: 2 }, { raise: true }, { sleep: 30 }, { n: 3 }];
    const answers: any[] = [];
    for (const event of calls) answers.push((await pyfaas.request('POST', `/v1/functions/${name}/invoke`, event)).body);
    expect(answers.map((a) => a.status)).toEqual(['succeeded', 'succeeded', 'failed', 'timed_out', 'succeeded']);
    const attempts = (status: string) => answers.filter((a) => a.status === status).reduce((sum, a) => sum + (a.attempts ?? 1), 0);
    const colds = answers.filter((a) => a.coldStart).length;
    // The first call starts an instance; the timeout kills it, so the call after starts another.
    expect(colds).toBeGreaterThanOrEqual(1);

    const { families: after, samples } = await scraped();
    for (const status of ['succeeded', 'failed', 'timed_out']) {
      expect({ status, n: valueOf(after, 'pyfaas_faas_invocations_total', { ...fn, status }) }).toEqual({ status, n: attempts(status) });
      expect({ status, n: histogramOf(samples, 'pyfaas_faas_invoke_duration_seconds', { ...fn, status }).count }).toEqual({ status, n: attempts(status) });
    }
    expect(valueOf(after, 'pyfaas_faas_errors_total', fn)).toBe(attempts('failed'));
    expect(valueOf(after, 'pyfaas_faas_timeouts_total', fn)).toBe(attempts('timed_out'));
    expect(valueOf(after, 'pyfaas_faas_coldstarts_total', fn)).toBe(colds);
    // The timed-out attempt ran at least its 1.5 s limit.
    expect(histogramOf(samples, 'pyfaas_faas_invoke_duration_seconds', { ...fn, status: 'timed_out' }).sum).toBeGreaterThanOrEqual(1.4);
    const init = histogramOf(samples, 'pyfaas_faas_init_duration_seconds', { function: name, version: '1' });
    expect(init.count).toBe(colds);
    expect(init.sum).toBeGreaterThan(0);
    // Nothing runs now; the last call left a warm idle instance on this node.
    expect(valueOf(after, 'pyfaas_faas_running_invocations', { function: name, version: '1' })).toBe(0);
    expect(valueOf(after, 'pyfaas_faas_warm_instances', { function: name, version: '1', state: 'idle' })).toBeGreaterThanOrEqual(1);
    expect(after.find((f) => f.name === 'pyfaas_faas_invoke_duration_seconds')?.type).toBe('HISTOGRAM');

    // The HTTP counter is by route template and status, never the raw path.
    const route = { method: 'POST', route: '/v1/functions/{name}/invoke', status: '200' };
    expect(valueOf(after, 'pyfaas_http_requests_total', route) - valueOf(before, 'pyfaas_http_requests_total', route)).toBe(calls.length);
    const raw = (after.find((f) => f.name === 'pyfaas_http_requests_total')?.metrics ?? []).filter((m) => m.labels?.route?.includes(name));
    expect(raw).toEqual([]);
    // Node's default metrics are there too, under the pyfaas_ prefix.
    expect(after.some((f) => f.name === 'pyfaas_process_cpu_user_seconds_total')).toBe(true);
  });

  it('labels unmatched paths as one route, whatever a caller sends', async () => {
    for (const junk of ['/no/such/path', '/another-made-up-path', '/v1/functions/x/y/z/w']) await fetch(`${pyfaas.url}${junk}`);
    const after = await families();
    expect(valueOf(after, 'pyfaas_http_requests_total', { route: 'unmatched', status: '404' })).toBeGreaterThanOrEqual(3);
    const routes = new Set((after.find((f) => f.name === 'pyfaas_http_requests_total')?.metrics ?? []).map((m) => m.labels?.route));
    expect([...routes].filter((r) => r?.includes('made-up') || r?.includes('no/such'))).toEqual([]);
  });

  it('serves GET /metrics only with metrics:read: 401 without a credential, 403 for an invoker, text format for an admin', async () => {
    const anonymous = await scrape({});
    expect(anonymous.status).toBe(401);
    const invoker = await pyfaas.request('POST', '/v1/tokens', { name: 'metrics-invoker', role: 'invoker' });
    expect(invoker.status).toBe(201);
    const denied = await fetch(`${pyfaas.url}/metrics`, { headers: { authorization: `Bearer ${invoker.body.token}` } });
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as any).error).toMatchObject({ code: 'NOT_ALLOWED', details: { permission: 'metrics:read' } });
    const admin = await scrape();
    expect(admin.status).toBe(200);
    expect(admin.type).toMatch(/^text\/plain; version=0\.0\.4/);
    // The token a Prometheus server scrapes with (README): metrics:read and nothing else.
    const narrowed = await pyfaas.request('POST', '/v1/tokens', { name: 'prometheus', role: 'admin', permissions: ['metrics:read'] });
    expect(narrowed.status).toBe(201);
    const scraper = { authorization: `Bearer ${narrowed.body.token}` };
    expect((await scrape(scraper)).status).toBe(200);
    expect((await pyfaas.request('GET', '/v1/functions', undefined, scraper)).status).toBe(403);
  });

  it('counts the Kafka bridge starts per trigger, and their attempts under trigger kind kafka', async () => {
    const name = functionName('metered-kafka');
    expect((await pyfaas.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code: { inline: CODE } })).status).toBe(201);
    const topic = `metrics-${name}`;
    const trigger = `t-${name}`;
    expect((await pyfaas.request('POST', '/v1/triggers', { name: trigger, kind: 'kafka', function: name, config: { topic, startFrom: 'earliest' } })).status).toBe(201);
    const producer = new Kafka({ brokers: testServices().kafkaBrokers, logLevel: logLevel.NOTHING }).producer({ allowAutoTopicCreation: true });
    await producer.connect();
    await producer.send({ topic, messages: [{ value: '{"n":1}' }, { value: '{"n":2}' }, { value: '{"raise":true}' }], acks: -1 });
    await producer.disconnect();
    const fn = { function: name, version: '1', trigger: 'kafka' };
    let last: Family[] = [];
    const settled = await eventually(async () => {
      last = await families();
      return valueOf(last, 'pyfaas_faas_invocations_total', { ...fn, status: 'succeeded' }) >= 2 && valueOf(last, 'pyfaas_faas_errors_total', fn) >= 1;
    }, 60_000, 250);
    expect(settled).toBe(true);
    expect(valueOf(last, 'pyfaas_kafka_bridge_starts_total', { trigger })).toBe(3);
    expect(valueOf(last, 'pyfaas_kafka_bridge_dead_letters_total', { trigger })).toBe(0);
    expect(valueOf(last, 'pyfaas_faas_invocations_total', { ...fn, status: 'succeeded' })).toBe(2);
    // Async invocations retry a function error by the function's retry policy: every attempt counts.
    expect(valueOf(last, 'pyfaas_faas_errors_total', fn)).toBe(valueOf(last, 'pyfaas_faas_invocations_total', { ...fn, status: 'failed' }));
    expect(valueOf(last, 'pyfaas_faas_errors_total', fn)).toBeGreaterThanOrEqual(1);
  });

  it('serves the same metrics without credentials on the metrics port, and nothing else there', async () => {
    const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(response.status).toBe(200);
    const parsed = parsePrometheus(await response.text());
    expect(parsed.some((f) => f.name === 'pyfaas_faas_invocations_total')).toBe(true);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/v1/functions`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { method: 'POST', body: 'x' })).status).toBe(405);
  });
});
