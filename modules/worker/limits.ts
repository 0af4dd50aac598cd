import { existsSync, promises as fs, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../common/logger';
import { findExecutable } from '../../infra/command';

/**
 * Per-instance memory and process-count limits.
 *
 * With a writable cgroup hierarchy (v1 memory+pids controllers, or v2) each instance gets
 * its own group; the process joins it itself before exec'ing bwrap (see `wrap`), so no
 * child can fork before the move. Without cgroups, Python gets an RLIMIT_AS cap and Node
 * relies on --max-old-space-size; RLIMIT_NPROC does not bind root, so a fork bomb is then
 * stopped only by the invocation timeout killing the sandbox's pid namespace.
 */

const CGROUP_ROOT = '/sys/fs/cgroup';
/** The folder under each controller that holds PyFaaS's instance groups. */
const GROUP_PARENT = 'pyfaas';
/** Without cgroups Python's address space gets this much above its memory limit (interpreter, libraries, thread stacks). */
const ADDRESS_SPACE_HEADROOM_MB = 64;

export type LimitMode = 'cgroup-v1' | 'cgroup-v2' | 'rlimit';

interface Cgroups {
  mode: 'cgroup-v1' | 'cgroup-v2';
  /** Parent folders instance groups are made in: [memory, pids] for v1, [unified] for v2. */
  parents: string[];
}

export interface LimitsOptions {
  instanceId: string;
  memoryMb: number;
  maxPids: number;
  /** Host path of the interpreter the instance runs: decides the fallback (no RLIMIT_AS for Node). */
  interpreter: string;
  logger: Logger;
  /** `rlimit` skips cgroups even where they work (to run or test the fallback). Default `auto`. */
  use?: 'auto' | 'rlimit';
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The limits of one instance, from creation until `release`. */
export interface InstanceLimits {
  readonly mode: LimitMode;
  /** The command and arguments that run `command args` under these limits. */
  wrap(command: string, args: string[]): { command: string; args: string[] };
  /** True when the instance ended because it ran out of memory. Call before release. */
  outOfMemory(exit: ExitInfo): boolean;
  /** Kills whatever the group still holds and removes it. Never throws. */
  release(): Promise<void>;
}

let detected: Cgroups | null | undefined;

function tryWrite(file: string, value: string): boolean {
  try {
    writeFileSync(file, value);
    return true;
  } catch {
    return false;
  }
}

/** An empty group older than this was left by a worker that died; a younger one may be another worker's instance starting. */
const STALE_GROUP_MS = 60_000;

/** Makes the parent folder, and removes instance groups a crashed worker left empty. */
function prepareParent(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const group = path.join(dir, entry.name);
    try {
      if (Date.now() - statSync(group).mtimeMs > STALE_GROUP_MS) rmdirSync(group);
    } catch {
      // still has processes: a live instance
    }
  }
}

function detectCgroups(): Cgroups | null {
  try {
    if (existsSync(path.join(CGROUP_ROOT, 'cgroup.controllers'))) {
      const controllers = readFileSync(path.join(CGROUP_ROOT, 'cgroup.controllers'), 'utf8').split(/\s+/);
      if (!controllers.includes('memory') || !controllers.includes('pids')) return null;
      const parent = path.join(CGROUP_ROOT, GROUP_PARENT);
      // Children only get controllers their parent enables; the root may refuse when it
      // holds processes itself (inside a container), in which case there is no v2 for us.
      if (!tryWrite(path.join(CGROUP_ROOT, 'cgroup.subtree_control'), '+memory +pids')) return null;
      prepareParent(parent);
      if (!tryWrite(path.join(parent, 'cgroup.subtree_control'), '+memory +pids')) return null;
      return { mode: 'cgroup-v2', parents: [parent] };
    }
    const memory = path.join(CGROUP_ROOT, 'memory');
    const pids = path.join(CGROUP_ROOT, 'pids');
    if (!existsSync(path.join(memory, 'memory.limit_in_bytes')) || !existsSync(path.join(pids, 'cgroup.procs'))) return null;
    const parents = [path.join(memory, GROUP_PARENT), path.join(pids, GROUP_PARENT)];
    parents.forEach(prepareParent);
    return { mode: 'cgroup-v1', parents };
  } catch {
    return null;
  }
}

/** Which limits this machine supports; probed once per process. */
export function limitMode(): LimitMode {
  if (detected === undefined) detected = detectCgroups();
  return detected?.mode ?? 'rlimit';
}

function readCounter(file: string, key?: string): number {
  try {
    const text = readFileSync(file, 'utf8');
    if (key === undefined) return Number(text.trim()) || 0;
    const line = text.split('\n').find((l) => l.startsWith(`${key} `));
    return line ? Number(line.split(' ')[1]) || 0 : 0;
  } catch {
    return 0;
  }
}

function killPids(procsFile: string): void {
  let text = '';
  try {
    text = readFileSync(procsFile, 'utf8');
  } catch {
    return;
  }
  for (const pid of text.split('\n').filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** rmdir fails while the kernel still counts exiting tasks: retry briefly. */
async function removeGroup(dir: string, procsFile: string): Promise<boolean> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    try {
      await fs.rmdir(dir);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
      killPids(procsFile);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  return false;
}

class CgroupLimits implements InstanceLimits {
  readonly mode: LimitMode;
  private readonly groups: string[];

  constructor(cgroups: Cgroups, options: LimitsOptions) {
    this.mode = cgroups.mode;
    this.groups = cgroups.parents.map((parent) => path.join(parent, options.instanceId));
    const bytes = String(options.memoryMb * 1024 * 1024);
    for (const group of this.groups) mkdirSync(group);
    if (cgroups.mode === 'cgroup-v1') {
      const [memory, pids] = this.groups;
      writeFileSync(path.join(memory, 'memory.limit_in_bytes'), bytes);
      // memsw (memory+swap) must be set after the memory limit it may not be below; absent without swap accounting.
      tryWrite(path.join(memory, 'memory.memsw.limit_in_bytes'), bytes);
      writeFileSync(path.join(pids, 'pids.max'), String(options.maxPids));
    } else {
      const [group] = this.groups;
      writeFileSync(path.join(group, 'memory.max'), bytes);
      tryWrite(path.join(group, 'memory.swap.max'), '0');
      writeFileSync(path.join(group, 'pids.max'), String(options.maxPids));
    }
  }

  wrap(command: string, args: string[]): { command: string; args: string[] } {
    // The shell moves itself into the groups, then becomes the command: everything the
    // command forks is born inside them. Group paths are made of safe characters only.
    const moves = this.groups.map((group) => `echo $$ > '${path.join(group, 'cgroup.procs')}'`).join(' && ');
    return { command: '/bin/sh', args: ['-c', `${moves} && exec "$@"`, 'sh', command, ...args] };
  }

  outOfMemory(exit: ExitInfo): boolean {
    const group = this.groups[0];
    if (this.mode === 'cgroup-v2') return readCounter(path.join(group, 'memory.events'), 'oom_kill') > 0;
    const oomControl = path.join(group, 'memory.oom_control');
    const kills = readCounter(oomControl, 'oom_kill');
    if (kills > 0) return true;
    // Kernels before 4.13 do not count kills: a SIGKILL after hitting the limit is the OOM killer.
    const sigkilled = exit.signal === 'SIGKILL' || exit.code === 137;
    return sigkilled && readCounter(path.join(group, 'memory.failcnt')) > 0;
  }

  async release(): Promise<void> {
    if (this.mode === 'cgroup-v2') tryWrite(path.join(this.groups[0], 'cgroup.kill'), '1');
    for (const group of this.groups) {
      const procs = path.join(group, 'cgroup.procs');
      killPids(procs);
      await removeGroup(group, procs);
    }
  }
}

class RlimitLimits implements InstanceLimits {
  readonly mode: LimitMode = 'rlimit';
  private readonly prlimit: string | undefined;
  private readonly addressSpaceBytes: number | undefined;

  constructor(options: LimitsOptions) {
    // V8 reserves far more address space than it uses, so RLIMIT_AS would stop Node from
    // starting at all; its heap is capped by --max-old-space-size instead.
    const isNode = /^node/.test(path.basename(options.interpreter));
    this.prlimit = isNode ? undefined : findExecutable('prlimit');
    this.addressSpaceBytes = isNode ? undefined : (options.memoryMb + ADDRESS_SPACE_HEADROOM_MB) * 1024 * 1024;
    if (!isNode && !this.prlimit) options.logger.warn('prlimit is not installed: this instance runs without a memory limit');
  }

  wrap(command: string, args: string[]): { command: string; args: string[] } {
    if (!this.prlimit || this.addressSpaceBytes === undefined) return { command, args };
    return { command: this.prlimit, args: [`--as=${this.addressSpaceBytes}`, '--', command, ...args] };
  }

  outOfMemory(): boolean {
    // Under RLIMIT_AS an allocation fails instead: Python raises MemoryError, which the shim reports.
    return false;
  }

  async release(): Promise<void> {}
}

const SAFE_ID = /^[A-Za-z0-9_-]+$/;

/** Sets up the limits of one instance. Throws when the id is unsafe or a cgroup cannot be written. */
export function createInstanceLimits(options: LimitsOptions): InstanceLimits {
  if (!SAFE_ID.test(options.instanceId)) throw new Error(`Instance id "${options.instanceId}" must be letters, digits, _ and - only.`);
  if (options.use === 'rlimit' || limitMode() === 'rlimit' || !detected) return new RlimitLimits(options);
  try {
    return new CgroupLimits(detected, options);
  } catch (err) {
    for (const dir of instanceGroupDirs(options.instanceId)) {
      try {
        rmdirSync(dir);
      } catch {
        // not made
      }
    }
    options.logger.warn({ err }, 'could not set up the instance\'s cgroups; falling back to rlimits');
    return new RlimitLimits(options);
  }
}

/** For tests: the cgroup folders of an instance, whether or not they exist. */
export function instanceGroupDirs(instanceId: string): string[] {
  limitMode();
  return detected ? detected.parents.map((parent) => path.join(parent, instanceId)) : [];
}
