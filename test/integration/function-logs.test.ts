import http from 'node:http';
import { silentLogger } from '../../common/logger';
import { FunctionLogLineSchema } from '../../modules/meta/function-log-entity';
import { LogFollowers, TooManyFollowersError } from '../../modules/observability/logs';
import { eventually } from '../support/http';
import { functionName, startTestPyFaaS, type TestPyFaaS } from '../support/pyfaas';

/** Prints two stdout lines and one stderr line naming the event's `n`. */
const CODE = [
  'import sys',
  'def handler(event, context):',
  '    n = event.get("n")',
  '    print(f"out {n} a")',
  '    print(f"out {n} b")',
  '    print(f"err {n}", file=sys.stderr)',
  '    return n',
  '',
].join('\n');

interface Line { at: string; invocationId: string; version: number; attempt: number; stream: 'stdout' | 'stderr'; line: string }

/** An SSE client on plain http.request: the events as they come, and the way to leave. */
interface SseClient {
  status: number;
  contentType: string | undefined;
  events: Array<{ id: string; data: Line }>;
  comments: string[];
  leave(): void;
}

function followLogs(base: string, pathname: string, token: string, headers: Record<string, string> = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${base}${pathname}`, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', ...headers } }, (response) => {
      const client: SseClient = { status: response.statusCode ?? 0, contentType: response.headers['content-type'], events: [], comments: [], leave: () => request.destroy() };
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = block.split('\n');
          const id = fields.find((f) => f.startsWith('id: '))?.slice(4);
          const data = fields.find((f) => f.startsWith('data: '))?.slice(6);
          if (id && data) client.events.push({ id, data: JSON.parse(data) });
          for (const f of fields) if (f.startsWith(':')) client.comments.push(f);
        }
      });
      response.on('error', () => undefined);
      resolve(client);
    });
    request.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)));
    request.end();
  });
}

/**
 * The function log on a real PyFaaS (role all): functions' stdout/stderr stored line by line
 * off the invoke path, read back across invocations with filters, followed over SSE, kept
 * per the observability policy's capture level and retention, removed with the function,
 * and readable only by who may read the invocations.
 */
describe('function logs', () => {
  let pyfaas: TestPyFaaS;
  let fn: string;
  const invocations: string[] = [];

  const logs = async (name: string, query = '', headers?: Record<string, string>) => pyfaas.request('GET', `/v1/functions/${name}/logs${query}`, undefined, headers);
  /** Waits until the log holds `count` lines (the writer flushes every 200 ms) and answers them. */
  const linesOf = async (name: string, count: number, query = ''): Promise<Line[]> => {
    let items: Line[] = [];
    await eventually(async () => {
      items = (await logs(name, query)).body.items;
      return items.length >= count;
    }, 10_000, 100);
    return items;
  };
  const invoke = async (name: string, n: number, token?: string) => {
    const answer = await pyfaas.request('POST', `/v1/functions/${name}/invoke`, { n }, token ? { authorization: `Bearer ${token}` } : undefined);
    expect(answer.body.status).toBe('succeeded');
    return answer.body.invocationId as string;
  };
  const create = async (name: string) => {
    const created = await pyfaas.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code: { inline: CODE } });
    expect(created.status).toBe(201);
  };
  const followers = async () => {
    const text = await (await fetch(`${pyfaas.url}/metrics`, { headers: { authorization: `Bearer ${pyfaas.adminToken}` } })).text();
    return Number(/^pyfaas_log_followers(?:\{[^}]*\})? (\d+)$/m.exec(text)?.[1] ?? NaN);
  };

  beforeAll(async () => {
    pyfaas = await startTestPyFaaS({ database: 'sqlite' });
    fn = functionName('logged');
    await create(fn);
    for (const n of [1, 2, 3]) invocations.push(await invoke(fn, n));
  });
  afterAll(() => pyfaas.close());

  it('keeps every attempt\'s lines across invocations, newest last, each with its invocation, version, attempt and time', async () => {
    const items = await linesOf(fn, 9);
    expect(items.map((l) => [l.invocationId, l.stream, l.line])).toEqual(
      invocations.flatMap((id, i) => [[id, 'stdout', `out ${i + 1} a`], [id, 'stdout', `out ${i + 1} b`], [id, 'stderr', `err ${i + 1}`]]),
    );
    expect(items.every((l) => l.version === 1 && l.attempt === 1)).toBe(true);
    const times = items.map((l) => Date.parse(l.at));
    expect(times.every((t, i) => Number.isFinite(t) && (i === 0 || t >= times[i - 1]))).toBe(true);
    expect(Math.abs(times[8] - Date.now())).toBeLessThan(60_000);
  });

  it('pages by limit and cursor, and filters by since (ISO or epoch ms), stream and invocation', async () => {
    const all = await linesOf(fn, 9);
    const last2 = await logs(fn, '?limit=2');
    expect(last2.status).toBe(200);
    expect(last2.body.items).toEqual(all.slice(7));
    // A cursor pages forward from where the previous page ended.
    const first = await logs(fn, '?limit=2&after=c0');
    expect(first.body.items).toEqual(all.slice(0, 2));
    const second = await logs(fn, `?limit=4&after=${first.body.next}`);
    expect(second.body.items).toEqual(all.slice(2, 6));
    expect((await logs(fn, `?since=${second.body.next}`)).body.items).toEqual(all.slice(6));
    // At the end, `next` stays where it is: a poll with it gets only what comes later.
    const end = await logs(fn, `?after=${last2.body.next}`);
    expect(end.body).toEqual({ items: [], next: last2.body.next });

    const secondAt = all[3].at;
    expect((await logs(fn, `?since=${encodeURIComponent(secondAt)}`)).body.items).toEqual(all.filter((l) => l.at >= secondAt));
    expect((await logs(fn, `?since=${Date.parse(secondAt)}`)).body.items).toEqual(all.filter((l) => l.at >= secondAt));
    expect((await logs(fn, `?since=${Date.now() + 60_000}`)).body.items).toEqual([]);
    expect((await logs(fn, '?stream=stderr')).body.items.map((l: Line) => l.line)).toEqual(['err 1', 'err 2', 'err 3']);
    expect((await logs(fn, `?invocation=${invocations[1]}`)).body.items.map((l: Line) => l.line)).toEqual(['out 2 a', 'out 2 b', 'err 2']);
    expect((await logs(fn, `?invocation=${invocations[1]}&stream=stdout&limit=1`)).body.items.map((l: Line) => l.line)).toEqual(['out 2 b']);
  });

  it.each([
    ['?limit=0', 'limit'], ['?limit=1001', 'limit'], ['?limit=ten', 'limit'], ['?stream=stdin', 'stream'], ['?since=yesterday', 'since'],
    ['?since=2025-01-31T12:00:00', 'since'], ['?after=12', 'after'], ['?follow=maybe', 'follow'], ['?limit=1&limit=2', 'limit'], ['?lines=5', 'lines'],
  ])('answers 400 INVALID_INPUT for %s, naming %s', async (query, field) => {
    const answer = await logs(fn, query);
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('INVALID_INPUT');
    expect(answer.body.error.message).toContain(field);
  });

  it('answers 404 FUNCTION_NOT_FOUND for an unknown function, also when following', async () => {
    for (const query of ['', '?follow=true']) {
      const answer = await logs('no-such-function', query);
      expect(answer.status).toBe(404);
      expect(answer.body.error.code).toBe('FUNCTION_NOT_FOUND');
    }
  });

  it('follows over SSE: the backlog, then a line invoked after connecting; Last-Event-ID resumes; the follower goes when the client leaves', async () => {
    const all = await linesOf(fn, 9);
    const client = await followLogs(pyfaas.url, `/v1/functions/${fn}/logs?follow=true&limit=3`, pyfaas.adminToken);
    expect(client.status).toBe(200);
    expect(client.contentType).toMatch(/^text\/event-stream/);
    expect(await eventually(async () => client.events.length >= 3, 5000, 50)).toBe(true);
    expect(client.events.map((e) => e.data)).toEqual(all.slice(6));
    expect(await followers()).toBe(1);

    const later = await invoke(fn, 4);
    expect(await eventually(async () => client.events.length >= 6, 10_000, 50)).toBe(true);
    expect(client.events.slice(3).map((e) => [e.data.invocationId, e.data.line])).toEqual([[later, 'out 4 a'], [later, 'out 4 b'], [later, 'err 4']]);
    const ids = client.events.map((e) => Number(e.id.slice(1)));
    expect(ids.every((id, i) => i === 0 || id > ids[i - 1])).toBe(true);

    // Resuming after the 4th event gets the 5th and 6th again, not the backlog.
    const resumed = await followLogs(pyfaas.url, `/v1/functions/${fn}/logs?follow=true`, pyfaas.adminToken, { 'last-event-id': client.events[3].id });
    expect(await eventually(async () => resumed.events.length >= 2, 5000, 50)).toBe(true);
    expect(resumed.events.map((e) => e.id)).toEqual(client.events.slice(4).map((e) => e.id));
    expect(await followers()).toBe(2);

    client.leave();
    resumed.leave();
    expect(await eventually(async () => (await followers()) === 0, 5000, 100)).toBe(true);
  });

  it('says `: keepalive` on an idle stream, and caps the followers of a process (TOO_MANY_FOLLOWERS, 429)', async () => {
    const store = pyfaas.running.functionLogs.api!.store;
    const capped = new LogFollowers({ logs: store, logger: silentLogger(), max: 1, keepaliveMs: 100 });
    const one = capped.follow({ functionName: fn }, undefined, 1);
    let said = '';
    one.stream.on('data', (chunk: Buffer) => (said += chunk.toString()));
    expect(() => capped.follow({ functionName: fn }, undefined, 1)).toThrow(TooManyFollowersError);
    expect(await eventually(async () => said.includes(': keepalive\n\n'), 3000, 50)).toBe(true);
    expect(said.startsWith('retry: 1000\n\n')).toBe(true);
    one.close();
    expect(capped.count).toBe(0);
    // The slot is free again once the first left.
    capped.follow({ functionName: fn }, undefined, 1).close();
    expect(new TooManyFollowersError('x').status).toBe(429);
  });

  it('keeps only stderr, or nothing, per the observability policy\'s capture level for the function', async () => {
    const errOnly = functionName('errlog');
    const silent = functionName('nolog');
    await create(errOnly);
    await create(silent);
    const policy = await pyfaas.request('PUT', '/v1/policies/observability', { functions: { [errOnly]: { capture: 'stderr' }, [silent]: { capture: 'none' } } });
    expect(policy.status).toBe(200);
    await invoke(errOnly, 7);
    const quiet = await invoke(silent, 8);
    expect((await linesOf(errOnly, 1)).map((l) => [l.stream, l.line])).toEqual([['stderr', 'err 7']]);
    // The invocation record still has its output; the function log does not.
    const record = await pyfaas.request('GET', `/v1/invocations/${quiet}`);
    expect(record.body.logs.stdout).toContain('out 8 a');
    // An invocation after the quiet one reaches the log: the quiet one's flush is behind us.
    await invoke(fn, 9);
    expect(await eventually(async () => (await logs(fn, '?limit=1')).body.items[0]?.line === 'err 9', 10_000, 100)).toBe(true);
    expect((await logs(silent)).body.items).toEqual([]);
    expect((await pyfaas.request('PUT', '/v1/policies/observability', {})).status).toBe(200);
  });

  it('lets an invoker read only its own invocations\' lines of functions in its scope; another function is 403', async () => {
    const token = async (body: object) => (await pyfaas.request('POST', '/v1/tokens', body)).body.token as string;
    const mine = await token({ name: `logs-mine-${fn}`, role: 'invoker', functions: { names: [fn] } });
    const elsewhere = await token({ name: `logs-other-${fn}`, role: 'invoker', functions: { names: ['some-other-fn'] } });
    const own = await invoke(fn, 10, mine);
    await linesOf(fn, 1, `?invocation=${own}`);
    const seen = await logs(fn, '', { authorization: `Bearer ${mine}` });
    expect(seen.status).toBe(200);
    expect(seen.body.items.map((l: Line) => [l.invocationId, l.line])).toEqual([[own, 'out 10 a'], [own, 'out 10 b'], [own, 'err 10']]);
    const refused = await logs(fn, '', { authorization: `Bearer ${elsewhere}` });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('FUNCTION_NOT_IN_SCOPE');
    const refusedFollow = await logs(fn, '?follow=true', { authorization: `Bearer ${elsewhere}` });
    expect(refusedFollow.status).toBe(403);
    expect((await logs(fn, '', { authorization: '' })).status).toBe(401);
  });

  it('sweeps lines older than the policy\'s retention, and removes a function\'s lines with it', async () => {
    const em = () => pyfaas.running.meta.em();
    const row = (hoursAgo: number, line: string) => ({
      at: new Date(Date.now() - hoursAgo * 3_600_000), functionName: fn, version: 1, invocationId: `old-${line}`, attempt: 1, stream: 'stdout' as const, line, caller: null,
    });
    await em().insertMany(FunctionLogLineSchema, [row(100, 'ancient'), row(2, 'two hours'), row(0.5, 'half an hour')]);
    const retention = pyfaas.running.functionLogs.retention!;
    // The default retention is 72 hours.
    expect(await retention.sweepNow()).toBe(1);
    expect((await logs(fn, '?invocation=old-ancient')).body.items).toEqual([]);
    expect((await logs(fn, '?invocation=old-two%20hours')).body.items).toHaveLength(1);
    expect((await pyfaas.request('PUT', '/v1/policies/observability', { functionLogs: { retentionHours: 1 } })).status).toBe(200);
    expect(await retention.sweepNow()).toBe(1);
    expect((await logs(fn, '?invocation=old-two%20hours')).body.items).toEqual([]);
    expect((await logs(fn, '?invocation=old-half%20an%20hour')).body.items).toHaveLength(1);
    expect((await pyfaas.request('PUT', '/v1/policies/observability', {})).status).toBe(200);

    expect(await em().count(FunctionLogLineSchema, { functionName: fn })).toBeGreaterThan(0);
    expect((await pyfaas.request('DELETE', `/v1/functions/${fn}`)).status).toBe(204);
    expect(await em().count(FunctionLogLineSchema, { functionName: fn })).toBe(0);
  });
});

describe('function logs on PostgreSQL', () => {
  let pyfaas: TestPyFaaS;
  afterAll(() => pyfaas?.close());

  it('stores and pages the lines the same way', async () => {
    pyfaas = await startTestPyFaaS({ database: 'postgres' });
    const name = functionName('pglogged');
    expect((await pyfaas.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code: { inline: CODE } })).status).toBe(201);
    const ids: string[] = [];
    for (const n of [1, 2]) ids.push((await pyfaas.request('POST', `/v1/functions/${name}/invoke`, { n })).body.invocationId);
    let items: Line[] = [];
    await eventually(async () => (items = (await pyfaas.request('GET', `/v1/functions/${name}/logs`)).body.items).length >= 6, 10_000, 100);
    expect(items.map((l) => [l.invocationId, l.line])).toEqual(ids.flatMap((id, i) => [[id, `out ${i + 1} a`], [id, `out ${i + 1} b`], [id, `err ${i + 1}`]]));
    const page = await pyfaas.request('GET', `/v1/functions/${name}/logs?limit=2&after=c0`);
    expect((await pyfaas.request('GET', `/v1/functions/${name}/logs?after=${page.body.next}&stream=stderr`)).body.items.map((l: Line) => l.line)).toEqual(['err 1', 'err 2']);
  });
});
