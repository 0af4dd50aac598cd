import { readFileSync } from 'node:fs';
import { processTree } from '../modules/worker/process-tree';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** User + system CPU of one process so far, in ms (threads included); 0 once it is gone. */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** CPU of each process tree (a sandbox: bwrap and everything in it), summed, in ms. */
export function treesCpuMs(rootPids: number[]): number {
  return rootPids.flatMap((pid) => processTree(pid)).reduce((sum, pid) => sum + processCpuMs(pid), 0);
}

/** CPU used by each named group of processes while `work` runs, in ms. */
export async function cpuDuring<T>(groups: Record<string, () => number>, work: () => Promise<T>): Promise<{ result: T; cpuMs: Record<string, number> }> {
  const before = Object.fromEntries(Object.entries(groups).map(([name, read]) => [name, read()]));
  const result = await work();
  const cpuMs = Object.fromEntries(Object.entries(groups).map(([name, read]) => [name, read() - before[name]]));
  return { result, cpuMs };
}
