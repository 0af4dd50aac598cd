import { PassThrough } from 'node:stream';
import { sinceParam } from '../../../cli/commands/logs';
import { readEvents, type ServerSentEvent } from '../../../cli/commands/sse';
import { EXIT, exitCodeForStatus } from '../../../cli/client/exit-codes';

async function collect(chunks: string[]): Promise<ServerSentEvent[]> {
  const stream = new PassThrough();
  const events: ServerSentEvent[] = [];
  const done = (async () => {
    for await (const event of readEvents(stream)) events.push(event);
  })();
  for (const chunk of chunks) stream.write(chunk);
  stream.end();
  await done;
  return events;
}

describe('readEvents', () => {
  it('yields events split across chunks, skips comments and keepalives, keeps ids, joins data lines', async () => {
    const events = await collect([': keepalive\n\nid: 1\nda', 'ta: {"line":"a"}\n\n', ': keepalive\r\n\r\nid: 2\ndata: x\ndata: y\n\n', 'data: no end']);
    expect(events).toEqual([
      { id: '1', event: undefined, data: '{"line":"a"}' },
      { id: '2', event: undefined, data: 'x\ny' },
    ]);
  });
});

describe('sinceParam', () => {
  const now = Date.parse('2030-01-01T12:00:00.000Z');
  it('turns durations and times into ISO times, and refuses anything else', () => {
    expect(sinceParam('10m', now)).toBe('2030-01-01T11:50:00.000Z');
    expect(sinceParam('2h', now)).toBe('2030-01-01T10:00:00.000Z');
    expect(sinceParam('2030-01-01T00:00:00Z', now)).toBe('2030-01-01T00:00:00.000Z');
    expect(sinceParam(undefined, now)).toBeUndefined();
    expect(() => sinceParam('yesterday', now)).toThrow(/--since takes a duration/);
  });
});

describe('exitCodeForStatus', () => {
  it('maps the API statuses to the documented exit codes', () => {
    expect([404, 401, 403, 400, 409, 413, 429, 500, 503].map(exitCodeForStatus)).toEqual([
      EXIT.notFound, EXIT.auth, EXIT.auth, EXIT.refused, EXIT.refused, EXIT.refused, EXIT.unavailable, EXIT.unavailable, EXIT.unavailable,
    ]);
  });
});
