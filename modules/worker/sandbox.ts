import { existsSync, lstatSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../../common/errors';
import { requireExecutable } from '../../infra/command';
import { SANDBOX_CODE_DIR, SANDBOX_SHIM_DIR, type LaunchSpec } from '../runtime/contract';
import { seccompFilterPath } from './seccomp-filter';

/** Everything bubblewrap needs to know to start one instance. */
export interface SandboxSpec {
  /** Host directory with the function's code: read-only at SANDBOX_CODE_DIR. */
  codeDir: string;
  /** Host directory with the runtime's shim: read-only at SANDBOX_SHIM_DIR. */
  shimDir: string;
  launch: LaunchSpec;
  /** The function's own variables. */
  env: Record<string, string>;
  allowNetwork: boolean;
  functionName: string;
  version: number;
  memoryMb: number;
  /**
   * A network namespace prepared for this instance (network-slirp.ts): the sandbox runs in
   * it instead of a fresh empty one. Only honoured with allowNetwork; without it a function
   * that allows network still gets an empty namespace, never the host's.
   */
  netnsPath?: string;
  /** Size of the writable /tmp; default half of memoryMb, within [16, 512] MiB. */
  tmpSizeMb?: number;
}

/** Who the function runs as inside its user namespace: nobody/nogroup. */
export const SANDBOX_UID = 65534;
/** The fd bwrap reads the compiled seccomp program from; the launcher opens it (see `launcherRedirects`). */
export const SECCOMP_FD = 5;
/** /dev/shm (POSIX shared memory, multiprocessing's semaphores) is small. */
const SHM_SIZE_MB = 16;
const TMP_SIZE_MB = { floor: 16, ceiling: 512 };
/** Parts of the bound system directories a function has no business reading: hidden by an empty read-only tmpfs. */
const HIDDEN_DIRS = ['/usr/local'];
const MIB = 1024 * 1024;

/** Host system directories an interpreter needs; on merged-/usr systems most are symlinks to /usr/*. */
const SYSTEM_DIRS = ['/usr', '/lib', '/lib32', '/lib64', '/bin', '/sbin'];
/** /etc entries every function gets: the loader cache, public certificates (not /etc/ssl/private), users, time zone. */
const ETC_FILES = ['/etc/ld.so.cache', '/etc/ssl/certs', '/etc/ssl/openssl.cnf', '/etc/ca-certificates', '/etc/passwd', '/etc/group', '/etc/localtime'];
/** Name resolution: only meaningful, so only bound, with network. */
const NETWORK_ETC_FILES = ['/etc/resolv.conf', '/etc/hosts', '/etc/nsswitch.conf', '/etc/gai.conf'];

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

let bwrap: string | undefined;

/** The bubblewrap executable; SetupError when it is not installed. */
export function bwrapPath(): string {
  bwrap ??= requireExecutable('bwrap', 'install Debian\'s bubblewrap package (pyfaas provisions it on first start)');
  return bwrap;
}

/** Binds a host system directory, or recreates it as the same symlink (merged /usr). */
function systemDirArgs(dir: string): string[] {
  let stat;
  try {
    stat = lstatSync(dir);
  } catch {
    return [];
  }
  if (stat.isSymbolicLink()) return ['--symlink', readlinkSync(dir), dir];
  return stat.isDirectory() ? ['--ro-bind', dir, dir] : [];
}

/** The real directories the system binds expose, symlinks resolved: what an interpreter path must fall under. */
function boundRoots(): string[] {
  return SYSTEM_DIRS.filter((dir) => existsSync(dir)).map((dir) => realpathSync(dir));
}

/**
 * An interpreter outside the system dirs (nvm's node, a pyenv build) is bound by its
 * install prefix (the folder above its `bin/`), which holds its libraries too.
 */
function interpreterArgs(command: string): string[] {
  const real = realpathSync(command);
  if (boundRoots().some((root) => real.startsWith(`${root}/`))) return [];
  const prefix = path.dirname(path.dirname(real));
  return ['--ro-bind', prefix, prefix];
}

/** Checks a function's variables can be passed as they are (bwrap would fail obscurely otherwise). */
function checkEnv(env: Record<string, string>): void {
  for (const [name, value] of Object.entries(env)) {
    if (!ENV_NAME.test(name)) throw new InputError(`The environment variable name "${name}" is not valid: use letters, digits and _, not starting with a digit.`);
    if (value.includes('\0')) throw new InputError(`The environment variable ${name} contains a NUL character.`);
  }
}

/**
 * The variables inside the sandbox, and nothing of the worker's own. Later entries win:
 * a function may set LANG, but not the runtime's PYTHONPATH/NODE_PATH or PYFAAS_*.
 */
export function sandboxEnv(spec: SandboxSpec): Record<string, string> {
  checkEnv(spec.env);
  return {
    PATH: '/usr/bin:/bin',
    HOME: '/tmp',
    LANG: 'C.UTF-8',
    ...spec.env,
    ...spec.launch.env,
    PYFAAS_FUNCTION_NAME: spec.functionName,
    PYFAAS_FUNCTION_VERSION: String(spec.version),
    PYFAAS_MEMORY_MB: String(spec.memoryMb),
  };
}

/** Size of the instance's /tmp in MiB. */
export function tmpSizeMb(spec: Pick<SandboxSpec, 'memoryMb' | 'tmpSizeMb'>): number {
  return spec.tmpSizeMb ?? Math.min(TMP_SIZE_MB.ceiling, Math.max(TMP_SIZE_MB.floor, Math.floor(spec.memoryMb / 2)));
}

/** An empty, read-only, tiny tmpfs over a bound directory. */
function hiddenDirArgs(dir: string): string[] {
  return existsSync(dir) ? ['--size', '4096', '--tmpfs', dir, '--remount-ro', dir] : [];
}

/**
 * The bwrap arguments, command included, that start `spec.launch` sandboxed: own user (as
 * uid/gid 65534, no capabilities, no further user namespaces), pid, ipc, uts, cgroup and
 * network namespaces; the seccomp filter read from SECCOMP_FD; the system, code and shim
 * read-only, and so are / and /dev; the only writable places are /tmp and /dev/shm, each a
 * tmpfs of bounded size; a clean environment. fds 3 and 4 pass through: bwrap leaves
 * inherited descriptors open. Throws SetupError when the seccomp filter cannot be built.
 */
export function sandboxArgs(spec: SandboxSpec): string[] {
  const joinsNetns = spec.allowNetwork && spec.netnsPath !== undefined;
  const args = confinementArgs('pyfaas', !joinsNetns);
  args.push(...systemArgs(spec.launch.command));
  for (const file of joinsNetns ? [...ETC_FILES, ...NETWORK_ETC_FILES] : ETC_FILES) args.push('--ro-bind-try', file, file);
  args.push('--proc', '/proc', '--dev', '/dev', '--size', String(SHM_SIZE_MB * MIB), '--tmpfs', '/dev/shm', '--remount-ro', '/dev');
  args.push('--size', String(tmpSizeMb(spec) * MIB), '--tmpfs', '/tmp');
  args.push('--ro-bind', spec.codeDir, SANDBOX_CODE_DIR, '--ro-bind', spec.shimDir, SANDBOX_SHIM_DIR);
  args.push('--remount-ro', '/');
  args.push('--chdir', SANDBOX_CODE_DIR, '--clearenv');
  for (const [name, value] of Object.entries(sandboxEnv(spec))) args.push('--setenv', name, value);
  args.push('--', spec.launch.command, ...spec.launch.args);
  return args;
}

/**
 * What every sandbox PyFaaS starts shares (function instances and dependency installs): an
 * unprivileged uid in its own user namespace with no further ones, its own pid, ipc, uts
 * and cgroup namespaces (and network, unless `ownNetwork` is false because it joins a
 * prepared one), no capabilities, and the seccomp filter on SECCOMP_FD. Throws SetupError
 * when the seccomp filter cannot be built.
 */
export function confinementArgs(hostname: string, ownNetwork: boolean): string[] {
  seccompFilterPath(); // fail here, with the reason, rather than as a bad fd in bwrap
  const args = [
    '--die-with-parent', '--unshare-user', '--uid', String(SANDBOX_UID), '--gid', String(SANDBOX_UID), '--disable-userns',
    '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try', '--new-session', '--cap-drop', 'ALL',
    '--seccomp', String(SECCOMP_FD), '--hostname', hostname,
  ];
  if (ownNetwork) args.push('--unshare-net');
  return args;
}

/** The system directories read-only (without /usr/local), and the interpreter's own prefix when it lives elsewhere. */
export function systemArgs(command: string): string[] {
  const args: string[] = [];
  for (const dir of SYSTEM_DIRS) args.push(...systemDirArgs(dir));
  for (const dir of HIDDEN_DIRS) args.push(...hiddenDirArgs(dir));
  args.push(...interpreterArgs(command));
  return args;
}

/**
 * Shell redirections the process that execs bwrap must apply for these arguments: the
 * seccomp program opened on SECCOMP_FD (bwrap reads it, then closes it). Paths are made of
 * safe characters (a mkdtemp folder), quoted anyway.
 */
export function launcherRedirects(args: string[]): string {
  // The first occurrence is bwrap's own option (a wrapper before it, nsenter or prlimit, has no such option).
  const at = args.indexOf('--seccomp');
  if (at < 0 || !/^\d+$/.test(args[at + 1] ?? '')) return '';
  return `${args[at + 1]}<'${seccompFilterPath()}'`;
}

let nsenter: string | undefined;

/**
 * The command and arguments that start the sandbox: bwrap, entered first into the
 * instance's prepared network namespace when it has one (nsenter execs bwrap: same pid).
 */
export function sandboxCommand(spec: SandboxSpec): { command: string; args: string[] } {
  const args = sandboxArgs(spec);
  if (!spec.allowNetwork || spec.netnsPath === undefined) return { command: bwrapPath(), args };
  nsenter ??= requireExecutable('nsenter', 'install Debian\'s util-linux package');
  return { command: nsenter, args: [`--net=${spec.netnsPath}`, '--', bwrapPath(), ...args] };
}
