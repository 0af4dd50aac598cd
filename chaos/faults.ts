import { readFileSync, readdirSync } from 'node:fs';
import { childrenByParent, processTree } from '../modules/worker/process-tree';
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

/** The outermost bubblewrap process of each of the function's warm instances. */
export function instancePids(functionName: string, children = childrenByParent()): number[] {
  const sandboxes = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      const argv = argvOf(pid);
      if (!argv[0]?.endsWith('bwrap')) return false;
      const at = argv.indexOf('PYFAAS_FUNCTION_NAME');
      return at > 0 && argv[at - 1] === '--setenv' && argv[at + 1] === functionName;
    });
  // bwrap forks itself as the sandbox's pid 1, with the same command line: keep the outer one.
  const inner = new Set(sandboxes.flatMap((pid) => children.get(pid) ?? []));
  return sandboxes.filter((pid) => !inner.has(pid));
}

/**
 * SIGKILLs as a crash would: a service's main process (the supervisor sees it die and
 * restarts it), or the function's warm instances with everything in them.
 * Returns what was killed, e.g. "pyfaas (pid 1234)".
 */
export function inject(fault: Fault, stack: ChaosStack, functionName: string): string {
  if (fault === 'instance') {
    // Every warm instance at once, so the kill lands on invocations in flight (the function
    // sleeps 150 ms a run), not only on an idle instance.
    const children = childrenByParent();
    const roots = instancePids(functionName, children);
    if (roots.length === 0) throw new Error(`no warm instance of ${functionName} to kill`);
    const trees = roots.map((pid) => processTree(pid, children));
    for (const member of trees.flat().reverse()) {
      try {
        process.kill(member, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    return `every instance of the function (${roots.length}, ${trees.flat().length} processes)`;
  }
  const service = stack.services().find((entry) => entry.name === fault);
  if (!service?.pid) throw new Error(`${fault} is not running under the supervisor (is it part of the stack?)`);
  process.kill(service.pid, 'SIGKILL');
  return `${fault} (pid ${service.pid})`;
}
