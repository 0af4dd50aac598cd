import { existsSync, lstatSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../../common/errors';
import { requireExecutable } from '../../infra/command';
import { SANDBOX_CODE_DIR, SANDBOX_SHIM_DIR, type LaunchSpec } from '../runtime/contract';

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
}

/** Host system directories an interpreter needs; on merged-/usr systems most are symlinks to /usr/*. */
const SYSTEM_DIRS = ['/usr', '/lib', '/lib32', '/lib64', '/bin', '/sbin'];
/** /etc entries every function gets: the loader cache, certificates, users, time zone. */
const ETC_FILES = ['/etc/ld.so.cache', '/etc/ssl', '/etc/ca-certificates', '/etc/passwd', '/etc/group', '/etc/localtime'];
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

/**
 * The bwrap arguments, command included, that start `spec.launch` sandboxed: own pid, ipc,
 * uts (and, unless allowed, network) namespaces; no capabilities; the system read-only;
 * the code and shim read-only; a private /tmp; a clean environment. fds 3 and 4 pass
 * through: bwrap leaves inherited descriptors open.
 */
export function sandboxArgs(spec: SandboxSpec): string[] {
  const args = ['--die-with-parent', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try', '--new-session', '--cap-drop', 'ALL'];
  if (!spec.allowNetwork) args.push('--unshare-net');
  args.push('--hostname', 'pyfaas');
  for (const dir of SYSTEM_DIRS) args.push(...systemDirArgs(dir));
  args.push(...interpreterArgs(spec.launch.command));
  for (const file of spec.allowNetwork ? [...ETC_FILES, ...NETWORK_ETC_FILES] : ETC_FILES) args.push('--ro-bind-try', file, file);
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp');
  args.push('--ro-bind', spec.codeDir, SANDBOX_CODE_DIR, '--ro-bind', spec.shimDir, SANDBOX_SHIM_DIR);
  args.push('--chdir', SANDBOX_CODE_DIR, '--clearenv');
  for (const [name, value] of Object.entries(sandboxEnv(spec))) args.push('--setenv', name, value);
  args.push('--', spec.launch.command, ...spec.launch.args);
  return args;
}
