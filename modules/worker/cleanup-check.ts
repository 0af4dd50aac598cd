import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { instanceGroupDirs, type LimitMode } from './limits';

/**
 * After each invocation: did it leave a process behind in its instance?
 *
 * Callers must not see each other, and a process a function left running (a daemon it
 * forked, a double-forked setsid() one, a `sleep 60`) could read the next caller's event
 * out of the shim. The check runs on the warm path, so it is one small read: the
 * instance's cgroup.procs (every process of the sandbox, whoever its parent, and nothing
 * inside can leave the group), or without cgroups a readdir of the sandbox's own /proc
 * (its pid namespace: every process in it, and only those). The answer is compared with
 * the count taken when the instance became ready: bwrap, its namespace init and the shim.
 *
 * What the instance then does with a "yes" is the Instance's decision (it is retired).
 */
export class LeftoverCheck {
  private base: number | undefined;

  private constructor(private readonly list: () => string[]) {}

  /**
   * For an instance with cgroup limits, the group's cgroup.procs; else the /proc of the
   * pid namespace `sandboxPid` (a process inside it, e.g. the shim) lives in.
   */
  static create(options: { instanceId: string; mode: LimitMode; sandboxPid: () => number | undefined }): LeftoverCheck {
    if (options.mode !== 'rlimit') {
      const dirs = instanceGroupDirs(options.instanceId);
      // The first group is the memory one (v1) or the only one (v2); every process of the instance is in each.
      const procs = path.join(dirs[0], 'cgroup.procs');
      return new LeftoverCheck(() => readFileSync(procs, 'utf8').split('\n').filter(Boolean));
    }
    let procDir: string | undefined;
    return new LeftoverCheck(() => {
      if (procDir === undefined) {
        const pid = options.sandboxPid();
        if (pid === undefined) throw new Error('no process of the sandbox was found');
        procDir = `/proc/${pid}/root/proc`;
      }
      return readdirSync(procDir).filter((entry) => /^\d+$/.test(entry));
    });
  }

  /** Counts the processes an idle instance holds; call once, when it is ready. */
  recordBase(): void {
    this.base = this.list().length;
  }

  /**
   * How many processes the instance holds beyond its idle set. When it cannot tell (the
   * group or the process is gone), it answers Infinity: the caller must not reuse it.
   */
  extra(): number {
    if (this.base === undefined) return Infinity;
    try {
      return this.list().length - this.base;
    } catch {
      return Infinity;
    }
  }
}
