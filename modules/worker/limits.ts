import { existsSync, promises as fs, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../common/logger';
import { findExecutable } from '../../infra/command';
import { launcherRedirects } from './sandbox';

/**
 * Per-instance memory, CPU, process-count and open-file limits.
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

/**
 * CPU share per instance, like Lambda: 1769 MB of memory buys one full core, less memory a
 * proportional share, never under `floorCores`. While the instance starts (until `ready()`
 * or `startBoostMs`) it may use `startCores`, so importing the interpreter and the handler
 * is not stretched tenfold for a small function. The runtime policy will set these later.
 * The floor is a quarter core: with Lambda's 0.07 core at 128 MB a Node instance's GC burst
 * stalled a warm call for up to 90 ms (p99 76 ms measured). The period is the kernel's
 * 100 ms: a 20 ms one (5 ms of CPU per period at the floor) was used up by Node's JIT and GC
 * threads in many periods and put warm Node calls at p99 13-16 ms, against 1.3-2.7 ms with
 * 100 ms (`npm run bench:pool`, 200 and 1000 calls).
 */
export const CPU_POLICY = Object.freeze({ mbPerCore: 1769, floorCores: 0.25, startCores: 2, startBoostMs: 1000, periodUs: 100_000 });
/** Open files per process inside the sandbox (RLIMIT_NOFILE, soft and hard). */
export const OPEN_FILES_LIMIT = 1024;
/** Processes and threads of all functions on this host together (pids.max of the shared parent group). */
export const ALL_FUNCTIONS_PIDS_MAX = 4096;

/** The steady CPU quota of an instance, in cores. */
export function cpuCores(memoryMb: number, policy = CPU_POLICY): number {
  return Math.max(policy.floorCores, memoryMb / policy.mbPerCore);
}

export type LimitMode = 'cgroup-v1' | 'cgroup-v2' | 'rlimit';

interface Cgroups {
  mode: 'cgroup-v1' | 'cgroup-v2';
  /** Parent folders instance groups are made in: [memory, pids] (+ cpu when mounted) for v1, [unified] for v2. */
  parents: string[];
  /** The parent folder holding the cpu controller's files, when there is one. */
  cpuParent?: string;
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
  /**
   * The command and arguments that run `command args` under these limits: a shell that
   * joins the groups, sets RLIMIT_NOFILE, opens the files bwrap's arguments read from fds
   * (the seccomp program) and execs the command.
   */
  wrap(command: string, args: string[]): { command: string; args: string[] };
  /** The instance has started: from now on it gets its steady CPU quota. */
  ready(): void;
  /** Lifts the CPU quota: call before killing, so throttled processes can exit at once. Never throws. */
  unthrottle(): void;
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
      // The cpu controller is optional: without it instances run without a CPU quota.
      const cpu = controllers.includes('cpu') && tryWrite(path.join(CGROUP_ROOT, 'cgroup.subtree_control'), '+cpu') && tryWrite(path.join(parent, 'cgroup.subtree_control'), '+cpu');
      tryWrite(path.join(parent, 'pids.max'), String(ALL_FUNCTIONS_PIDS_MAX));
      return { mode: 'cgroup-v2', parents: [parent], cpuParent: cpu ? parent : undefined };
    }
    const memory = path.join(CGROUP_ROOT, 'memory');
    const pids = path.join(CGROUP_ROOT, 'pids');
    if (!existsSync(path.join(memory, 'memory.limit_in_bytes')) || !existsSync(path.join(pids, 'cgroup.procs'))) return null;
    const parents = [path.join(memory, GROUP_PARENT), path.join(pids, GROUP_PARENT)];
    const cpu = path.join(CGROUP_ROOT, 'cpu');
    const cpuParent = existsSync(path.join(cpu, 'cpu.cfs_quota_us')) ? path.join(cpu, GROUP_PARENT) : undefined;
    if (cpuParent) parents.push(cpuParent);
    parents.forEach(prepareParent);
    tryWrite(path.join(parents[1], 'pids.max'), String(ALL_FUNCTIONS_PIDS_MAX));
    return { mode: 'cgroup-v1', parents, cpuParent };
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

/** The shell that applies the per-process limits and the sandbox's fds, then execs `"$@"`. */
function launcher(steps: string[], command: string, args: string[], redirects = launcherRedirects(args)): { command: string; args: string[] } {
  const script = [...steps, `ulimit -n ${OPEN_FILES_LIMIT}`, `exec "$@" ${redirects}`].join(' && ');
  return { command: '/bin/sh', args: ['-c', script, 'sh', command, ...args] };
}

class CgroupLimits implements InstanceLimits {
  readonly mode: LimitMode;
  private readonly groups: string[];
  private readonly cpuGroup: string | undefined;
  private readonly steadyQuotaUs: number;
  private boost: NodeJS.Timeout | undefined;

  constructor(cgroups: Cgroups, options: LimitsOptions) {
    this.mode = cgroups.mode;
    this.groups = cgroups.parents.map((parent) => path.join(parent, options.instanceId));
    this.cpuGroup = cgroups.cpuParent && path.join(cgroups.cpuParent, options.instanceId);
    this.steadyQuotaUs = Math.round(cpuCores(options.memoryMb) * CPU_POLICY.periodUs);
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
    if (this.cpuGroup) {
      this.setCpuQuota(Math.max(this.steadyQuotaUs, Math.round(CPU_POLICY.startCores * CPU_POLICY.periodUs)));
      this.boost = setTimeout(() => this.ready(), CPU_POLICY.startBoostMs);
      this.boost.unref();
    }
  }

  private setCpuQuota(quotaUs: number): void {
    const group = this.cpuGroup!;
    const period = CPU_POLICY.periodUs;
    if (this.mode === 'cgroup-v2') writeFileSync(path.join(group, 'cpu.max'), `${quotaUs < 0 ? 'max' : quotaUs} ${period}`);
    else {
      writeFileSync(path.join(group, 'cpu.cfs_period_us'), String(period));
      writeFileSync(path.join(group, 'cpu.cfs_quota_us'), String(quotaUs));
    }
  }

  wrap(command: string, args: string[]): { command: string; args: string[] } {
    // The shell moves itself into the groups, then becomes the command: everything the
    // command forks is born inside them. Group paths are made of safe characters only.
    // On v1 it writes 0 (itself) to `tasks`: moving the current thread alone skips the
    // global threadgroup lock, whose first writer waits out an RCU grace period (5-10 ms
    // of every start here); the shell has one thread, so that moves the whole process.
    // v2 has no such file for domain groups: cgroup.procs it is.
    const join = this.mode === 'cgroup-v1' ? (group: string) => `echo 0 > '${path.join(group, 'tasks')}'` : (group: string) => `echo $$ > '${path.join(group, 'cgroup.procs')}'`;
    return launcher(this.groups.map(join), command, args);
  }

  unthrottle(): void {
    // Killed tasks need CPU to exit: a throttled group of many would linger for seconds.
    if (this.boost) clearTimeout(this.boost);
    this.boost = undefined;
    if (this.cpuGroup) tryCatch(() => this.setCpuQuota(-1));
  }

  ready(): void {
    if (this.boost) clearTimeout(this.boost);
    this.boost = undefined;
    if (this.cpuGroup && existsSync(this.cpuGroup)) tryCatch(() => this.setCpuQuota(this.steadyQuotaUs));
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
    if (this.boost) clearTimeout(this.boost);
    this.unthrottle();
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
    if (!this.prlimit || this.addressSpaceBytes === undefined) return launcher([], command, args);
    return launcher([], this.prlimit, [`--as=${this.addressSpaceBytes}`, '--', command, ...args], launcherRedirects(args));
  }

  ready(): void {}

  unthrottle(): void {}

  outOfMemory(): boolean {
    // Under RLIMIT_AS an allocation fails instead: Python raises MemoryError, which the shim reports.
    return false;
  }

  async release(): Promise<void> {}
}

function tryCatch(action: () => void): void {
  try {
    action();
  } catch {
    // the group went away with the instance
  }
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
