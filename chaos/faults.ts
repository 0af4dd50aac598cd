import { readFileSync, readdirSync } from 'node:fs';
import { processTree } from '../modules/worker/process-tree';
import type { ChaosStack } from './stack';

/** What the suite kills, in this order by default. */
export const FAULTS = ['pyfaas', 'temporal', 'kafka', 'postgres', 'instance'] as const;
export type Fault = (typeof FAULTS)[number];

function argvOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

/** The bubblewrap processes of the function's warm instances (each instance's outermost process). */
export function instancePids(functionName: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      const argv = argvOf(pid);
      if (!argv[0]?.endsWith('bwrap')) return false;
      const at = argv.indexOf('PYFAAS_FUNCTION_NAME');
      return at > 0 && argv[at - 1] === '--setenv' && argv[at + 1] === functionName;
    });
}

/**
 * SIGKILLs one process as a crash would: a service's main process (the supervisor sees it
 * die and restarts it), or one warm instance of the function with everything in it.
 * Returns what was killed, e.g. "pyfaas (pid 1234)".
 */
export function inject(fault: Fault, stack: ChaosStack, functionName: string): string {
  if (fault === 'instance') {
    const [pid] = instancePids(functionName);
    if (pid === undefined) throw new Error(`no warm instance of ${functionName} to kill`);
    const tree = processTree(pid);
    for (const member of tree.reverse()) {
      try {
        process.kill(member, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    return `a function instance (${tree.length} processes, bwrap pid ${pid})`;
  }
  const service = stack.services().find((entry) => entry.name === fault);
  if (!service?.pid) throw new Error(`${fault} is not running under the supervisor (is it part of the stack?)`);
  process.kill(service.pid, 'SIGKILL');
  return `${fault} (pid ${service.pid})`;
}
