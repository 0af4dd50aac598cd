import { readFileSync, readdirSync } from 'node:fs';

/** Process-tree lookups in /proc: a sandbox's processes, and how much memory they hold. */

/** Parent pid → child pids for every process, from each /proc/<pid>/stat (the task children files are not on every kernel). */
export function childrenByParent(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name may hold spaces and parentheses: fields resume after its last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const siblings = children.get(ppid) ?? [];
      siblings.push(Number(entry));
      children.set(ppid, siblings);
    } catch {
      // exited while we looked
    }
  }
  return children;
}

export function childPids(pid: number): number[] {
  return childrenByParent().get(pid) ?? [];
}

/** A process and all its descendants, parents first. */
export function processTree(rootPid: number, children = childrenByParent()): number[] {
  const tree: number[] = [];
  const visit = (pid: number) => {
    tree.push(pid);
    for (const child of children.get(pid) ?? []) visit(child);
  };
  visit(rootPid);
  return tree;
}

/** VmRSS of a process in bytes; undefined when it is gone. */
export function residentBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
