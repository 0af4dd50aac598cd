import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../../../common/logger';
import { FunctionLogLineSchema } from '../../../../modules/meta/function-log-entity';
import { MetaStore } from '../../../../modules/meta/store';
import { attemptRows, FunctionLogWriter, splitLines, type AttemptOutput, type CaptureLevel } from '../../../../modules/observability/logs';
import { MAX_LINE_CHARS, MAX_LINES_PER_STREAM } from '../../../../modules/observability/logs/lines';

const output = (n: number, logs: Partial<AttemptOutput['logs']> = {}): AttemptOutput => ({
  functionName: 'fn', version: 1, invocationId: `inv-${n}`, attempt: 1, at: new Date(), logs: { stdout: `out ${n}\n`, stderr: `err ${n}\n`, truncated: false, ...logs },
});

describe('attemptRows', () => {
  it('splits lines (CRLF, no empty last line), stdout before stderr, per capture level', () => {
    const rows = attemptRows(output(1, { stdout: 'a\r\n\nb', stderr: 'e\n' }), 'all');
    expect(rows.map((r) => [r.stream, r.line])).toEqual([['stdout', 'a'], ['stdout', ''], ['stdout', 'b'], ['stderr', 'e']]);
    expect(attemptRows(output(1), 'stderr').map((r) => r.line)).toEqual(['err 1']);
    expect(attemptRows(output(1, { truncated: true }), 'none')).toEqual([]);
    expect(splitLines('')).toEqual([]);
  });

  it('bounds lines per stream and characters per line, says what it left out, and replaces NUL', () => {
    const many = Array.from({ length: MAX_LINES_PER_STREAM + 5 }, (_, i) => `l${i}`).join('\n');
    const rows = attemptRows(output(1, { stdout: `${many}\n`, stderr: `${'x'.repeat(MAX_LINE_CHARS + 10)}\u0000`, truncated: true }), 'all');
    const stdout = rows.filter((r) => r.stream === 'stdout');
    expect(stdout).toHaveLength(MAX_LINES_PER_STREAM + 1);
    expect(stdout[stdout.length - 1].line).toMatch(/^\[pyfaas\] 5 more lines/);
    const stderr = rows.filter((r) => r.stream === 'stderr');
    expect(stderr[0].line).toHaveLength(MAX_LINE_CHARS);
    expect(stderr[0].line.endsWith('…')).toBe(true);
    expect(stderr[1].line).toMatch(/capture limit/);
    expect(attemptRows(output(1, { stdout: 'a\u0000b' }), 'all')[0].line).toBe('a\uFFFDb');
  });
});

describe('FunctionLogWriter', () => {
  let dir: string;
  let store: MetaStore;
  const stored = async () => (await store.em().find(FunctionLogLineSchema, {}, { orderBy: { id: 'asc' } })).map((r) => r.line);

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'pyfaas-logwriter-'));
    store = await MetaStore.open(`sqlite:${path.join(dir, 'meta.sqlite')}`, silentLogger());
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('returns from record at once and writes a window of attempts in one flush, in order', async () => {
    const writer = new FunctionLogWriter({ store, capture: async () => 'all', logger: silentLogger(), flushIntervalMs: 50 });
    for (const n of [1, 2, 3]) writer.record(output(n));
    expect(await stored()).toEqual([]);
    await new Promise((r) => setTimeout(r, 300));
    expect(await stored()).toEqual(['out 1', 'err 1', 'out 2', 'err 2', 'out 3', 'err 3']);
    expect(writer.stats).toEqual({ written: 6, dropped: 0, failedFlushes: 0 });
    await writer.close();
  });

  it('logs and retries a failed write (the table gone, the policy unreadable) and loses nothing once the store answers', async () => {
    let policyDown = true;
    const capture = async (): Promise<CaptureLevel> => {
      if (policyDown) throw new Error('policy store away');
      return 'all';
    };
    const writer = new FunctionLogWriter({ store, capture, logger: silentLogger(), flushIntervalMs: 20 });
    writer.record(output(1));
    await writer.flush();
    expect(writer.stats.failedFlushes).toBe(1);
    policyDown = false;
    await store.em().getConnection().execute('drop table function_log_lines');
    writer.record(output(2));
    await writer.flush();
    expect(writer.stats.failedFlushes).toBe(2);
    await store.orm.schema.updateSchema({ safe: true });
    await writer.flush();
    expect(await stored()).toEqual(['out 1', 'err 1', 'out 2', 'err 2']);
    expect(writer.stats).toMatchObject({ written: 4, dropped: 0 });
    await writer.close();
  });

  it('keeps at most maxPendingChars while the store is away, dropping the oldest output first', async () => {
    await store.em().getConnection().execute('drop table function_log_lines');
    const writer = new FunctionLogWriter({ store, capture: async () => 'all', logger: silentLogger(), flushIntervalMs: 10_000, maxPendingChars: 33 });
    // 11 characters each: three fit.
    for (const n of [1, 2, 3, 4, 5]) writer.record(output(n, { stdout: `${'o'.repeat(9)}${n}\n`, stderr: '' }));
    expect(writer.stats.dropped).toBe(2);
    await store.orm.schema.updateSchema({ safe: true });
    await writer.flush();
    expect(await stored()).toEqual(['ooooooooo3', 'ooooooooo4', 'ooooooooo5']);
    await writer.close();
  });
});
