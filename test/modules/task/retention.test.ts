import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NotFoundError } from '../../../common/errors';
import { silentLogger } from '../../../common/logger';
import { LocalObjectStore } from '../../../modules/objects';
import { PayloadStore } from '../../../modules/task/payloads';
import { startPayloadRetention } from '../../../modules/task/retention';

const HOUR = 60 * 60_000;
/** Payloads as `<dir>/<hash>.json`: a directory store with no prefix. */
const payloadsAt = (dir: string) => new PayloadStore(new LocalObjectStore(dir), '');

describe('payload retention', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'pyfaas-payloads-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** Sets a stored payload's mtime `ageMs` in the past. */
  const age = (ref: string, ageMs: number) => {
    const when = new Date(Date.now() - ageMs);
    utimesSync(path.join(root, `${ref.slice('sha256:'.length)}.json`), when, when);
  };

  it('removes payloads older than the retention and keeps younger ones', async () => {
    const store = payloadsAt(root);
    const old = await store.put(JSON.stringify({ old: true }));
    const young = await store.put(JSON.stringify({ young: true }));
    age(old, 25 * HOUR);
    age(young, 23 * HOUR);
    expect(await store.sweep(24 * HOUR)).toEqual({ removed: 1, kept: 1 });
    await expect(store.get(old)).rejects.toBeInstanceOf(NotFoundError);
    expect(await store.get(young)).toEqual({ young: true });
  });

  it('keeps a payload stored again within the retention', async () => {
    const store = payloadsAt(root);
    const ref = await store.put('{"again":1}');
    age(ref, 30 * HOUR);
    await store.put('{"again":1}');
    expect(await store.sweep(24 * HOUR)).toEqual({ removed: 0, kept: 1 });
    expect(await store.get(ref)).toEqual({ again: 1 });
  });

  it("removes a crashed put's old temp file and touches nothing that is not the store's", async () => {
    const store = payloadsAt(root);
    const temp = path.join(root, `${'a'.repeat(64)}.json.123e4567-e89b-12d3-a456-426614174000.tmp`);
    const foreign = path.join(root, 'notes.txt');
    writeFileSync(temp, '{');
    writeFileSync(foreign, 'mine');
    const past = new Date(Date.now() - 48 * HOUR);
    utimesSync(temp, past, past);
    utimesSync(foreign, past, past);
    expect(await store.sweep(24 * HOUR)).toEqual({ removed: 1, kept: 0 });
    expect(existsSync(temp)).toBe(false);
    expect(existsSync(foreign)).toBe(true);
  });

  it('sweeps at start and on its interval until stopped', async () => {
    /** Polls (rather than sleeping a fixed time, which a loaded machine overruns) until the store's directory is empty. */
    const emptyWithin = async (ms: number) => {
      const deadline = Date.now() + ms;
      while (readdirSync(root).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      return readdirSync(root);
    };
    const store = payloadsAt(root);
    const first = await store.put('{"n":1}');
    age(first, 2000);
    const intervalMs = 600;
    const retention = startPayloadRetention({ store, logger: silentLogger(), retentionMs: 1000, intervalMs });
    try {
      expect(await emptyWithin(intervalMs / 2)).toEqual([]); // the sweep at start, before any timer
      const second = await store.put('{"n":2}');
      age(second, 2000);
      expect(await emptyWithin(5 * intervalMs)).toEqual([]); // a later timer sweep
    } finally {
      await retention.stop();
    }
    const third = await store.put('{"n":3}');
    age(third, 2000);
    await new Promise((resolve) => setTimeout(resolve, 2 * intervalMs));
    expect(readdirSync(root)).toHaveLength(1); // stopped: no more sweeps
    expect(await retention.sweepNow()).toBeUndefined();
  });

  it('logs a failed sweep and keeps going', async () => {
    let calls = 0;
    const store = { sweep: async () => { calls += 1; if (calls === 1) throw new Error('disk gone'); return { removed: 0, kept: 0 }; } };
    const retention = startPayloadRetention({ store, logger: silentLogger(), retentionMs: 1000, intervalMs: 20 });
    try {
      await new Promise((resolve) => setTimeout(resolve, 80));
      expect(calls).toBeGreaterThan(1);
      expect(await retention.sweepNow()).toEqual({ removed: 0, kept: 0 });
    } finally {
      await retention.stop();
    }
  });
});
