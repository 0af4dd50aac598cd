import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FaultRow } from '../../chaos/tally';
import { REPO_ROOT } from '../support/services';

/**
 * The short version of `npm run chaos`: every fault once, under a lighter load and shorter
 * windows, against a `pyfaas up` stack of its own (real Temporal, Kafka, PostgreSQL and
 * sandboxes). The long run is the same program with its defaults.
 */
describe('fault injection (short run of npm run chaos)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pyfaas-chaos-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loses, duplicates and hangs nothing when PyFaaS, Temporal, Kafka, PostgreSQL and the function instances (mid-run) are SIGKILLed, and recovers from each within 15 s', async () => {
    const json = path.join(dir, 'chaos.json');
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist', 'chaos', 'run.js'), '--rate', '2', '--settle-ms', '3000', '--json', json, '--check'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    if (code !== 0) throw new Error(`npm run chaos exited ${code}; its output:\n${output.split('\n').slice(-40).join('\n')}`);

    const { rows } = JSON.parse(readFileSync(json, 'utf8')) as { rows: FaultRow[] };
    const faults = rows.filter((row) => row.killed);
    expect(faults.map((row) => row.fault)).toEqual(['pyfaas', 'temporal', 'kafka', 'postgres', 'instance']);
    expect(faults[4].killed).toMatch(/^every instance of the function \(\d+, \d+ processes\)$/);
    for (const row of rows) {
      expect({ fault: row.fault, lost: row.lost, duplicated: row.duplicated, hanging: row.hanging }).toEqual({ fault: row.fault, lost: 0, duplicated: 0, hanging: 0 });
      expect(row.sent.sync + row.sent.async + row.sent.kafka).toBeGreaterThan(0);
    }
    for (const row of faults) expect({ fault: row.fault, recoveredWithin15s: row.recoveryMs! <= 15_000 }).toEqual({ fault: row.fault, recoveredWithin15s: true });
    // The supervisor restarted each killed service once (and nothing else: the Module Hub is never touched); a killed instance restarts no service.
    // On the real Temporal server (PYFAAS_TEMPORAL=server) the stack also runs the Web UI, which no fault touches either.
    const untouched = process.env.PYFAAS_TEMPORAL === 'server' ? { hub: 0, 'temporal-ui': 0 } : { hub: 0 };
    const restartsAfter = Object.fromEntries(faults.map((row) => [row.fault, row.restarts]));
    expect(restartsAfter).toEqual({
      pyfaas: { temporal: 0, kafka: 0, postgres: 0, ...untouched, pyfaas: 1 },
      temporal: { temporal: 1, kafka: 0, postgres: 0, ...untouched, pyfaas: 1 },
      kafka: { temporal: 1, kafka: 1, postgres: 0, ...untouched, pyfaas: 1 },
      postgres: { temporal: 1, kafka: 1, postgres: 1, ...untouched, pyfaas: 1 },
      instance: { temporal: 1, kafka: 1, postgres: 1, ...untouched, pyfaas: 1 },
    });
  }, 600_000);
});
