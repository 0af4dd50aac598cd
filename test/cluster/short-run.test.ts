import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FaultRow } from '../../chaos/tally';
import type { Proof } from '../../cluster/proofs';
import { REPO_ROOT } from '../support/services';

interface ClusterReport {
  proofs: Proof[];
  rows: FaultRow[];
  byNode: Array<{ fault: string; byNode: Record<string, number>; retried: number; workerRanBeforeFault?: number }>;
}

/**
 * The short version of `npm run cluster`: the same three hosts (own network namespace, data
 * dir and CPU-limited cgroup each) and every fault once, under a lighter load and shorter
 * windows. The long run is the same program with its defaults.
 */
describe('multi-host topology (short run of npm run cluster)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pyfaas-cluster-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs work on B and C, cold-starts on C from the object store, keeps functions off host A, and loses or duplicates nothing when C is killed or cut off and Temporal and Kafka are SIGKILLed', async () => {
    const json = path.join(dir, 'cluster.json');
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist', 'cluster', 'run.js'), '--rate', '2', '--settle-ms', '3000', '--json', json, '--check'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    if (code !== 0) throw new Error(`npm run cluster exited ${code}; its output:\n${output.split('\n').slice(-40).join('\n')}`);

    const { proofs, rows, byNode } = JSON.parse(readFileSync(json, 'utf8')) as ClusterReport;
    expect(proofs.map((proof) => ({ name: proof.name, ok: proof.ok }))).toEqual(proofs.map((proof) => ({ name: proof.name, ok: true })));
    expect(proofs[0].detail).toMatch(/host A [\d.]+:5432: OSError: .*; internet [\d.]+:8080: connected/);
    const faults = rows.filter((row) => row.killed);
    expect(faults.map((row) => row.fault)).toEqual(['kill-worker', 'cut-worker', 'temporal', 'kafka']);
    for (const row of rows) {
      expect({ fault: row.fault, lost: row.lost, duplicated: row.duplicated, hanging: row.hanging }).toEqual({ fault: row.fault, lost: 0, duplicated: 0, hanging: 0 });
      expect(row.sent.sync + row.sent.async + row.sent.kafka).toBeGreaterThan(0);
    }
    // The burst before C's crash and before its cut put work on C: the faults hit work it had.
    for (const fault of ['kill-worker', 'cut-worker']) expect({ fault, ran: byNode[rows.findIndex((row) => row.fault === fault)].workerRanBeforeFault! > 0 }).toEqual({ fault, ran: true });
  }, 600_000);
});
