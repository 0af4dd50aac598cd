import { execFile } from 'node:child_process';
import path from 'node:path';
import type { BenchPlatform } from './bench-platform';
import { cpuDuring, processCpuMs, treesCpuMs } from './cpu';
import type { LoadResult } from './load-client';
import { round } from './stats';

export type LoadSpec =
  | { mode: 'http'; url: string; token: string; clients: number; seconds: number }
  | { mode: 'workflow'; temporalAddress: string; taskQueue: string; clients: number; seconds: number }
  | { mode: 'empty-workflow'; temporalAddress: string; clients: number; seconds: number };

export interface MeasuredLoad extends LoadResult {
  /** CPU ms per completed call: this process (PyFaaS, or the bare workflow's worker), the Temporal server, the sandboxes. */
  cpuMsPerCall: { process: number; temporal: number; sandboxes: number };
}

/** Runs the load process (bench/load-client.ts) and returns what it measured. */
export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [path.join(__dirname, 'load-client.js'), JSON.stringify(spec)], { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`the load process failed: ${stderr || err.message}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!) as LoadResult);
    });
  });
}

/** Drives `spec` from a load process of its own and reads the CPU each process used meanwhile from /proc. */
export async function measureLoad(platform: BenchPlatform, spec: LoadSpec): Promise<MeasuredLoad> {
  const { result, cpuMs } = await cpuDuring({
    process: () => processCpuMs(process.pid),
    temporal: () => processCpuMs(platform.stack.services[0].pid!),
    sandboxes: () => treesCpuMs(platform.pyfaas.pool!.stats().instances.flatMap((instance) => (instance.pid ? [instance.pid] : []))),
  }, () => runLoad(spec));
  const perCall = (ms: number) => round(ms / Math.max(1, result.completed));
  return { ...result, cpuMsPerCall: { process: perCall(cpuMs.process), temporal: perCall(cpuMs.temporal), sandboxes: perCall(cpuMs.sandboxes) } };
}

/** The sync load on PyFaaS's invoke route. */
export function invokeLoad(platform: BenchPlatform, clients: number, seconds: number): LoadSpec {
  return { mode: 'http', url: `${platform.api}/v1/functions/identity/invoke`, token: platform.token, clients, seconds };
}

/** The same load on the bare workflow (one no-op activity) on the same server and worker. */
export function bareLoad(platform: BenchPlatform, clients: number, seconds: number): LoadSpec {
  return { mode: 'workflow', temporalAddress: platform.config.temporal.address, taskQueue: platform.config.temporal.taskQueue, clients, seconds };
}

/** A workflow that returns at once, on a worker in the load process, started eagerly: the server's floor per invocation. */
export function emptyWorkflowLoad(platform: BenchPlatform, clients: number, seconds: number): LoadSpec {
  return { mode: 'empty-workflow', temporalAddress: platform.config.temporal.address, clients, seconds };
}
