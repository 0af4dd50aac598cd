import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Logger } from '../../common/logger';
import { requireExecutable, runCommand, type RunResult } from '../../infra/command';
import { startFunctionNetwork, type FunctionNetwork } from '../worker/network-slirp';
import { bwrapPath, confinementArgs, launcherRedirects, systemArgs } from '../worker/sandbox';

/**
 * A sandbox for package installers (pip, npm), which run code and parse archives chosen by
 * uploaded function code. Like a function's sandbox: bubblewrap as uid/gid 65534 in its own
 * user, pid, ipc, uts and network namespaces, no capabilities, no further user namespaces,
 * the functions' seccomp filter, system directories read-only, a clean environment. The only
 * writable places are the target directory and a tmpfs /tmp; the data dir, the platform's
 * variables and the host's home are not there at all.
 *
 * Network: the installer needs the package index, so it gets the functions' user-mode
 * network (slirp4netns in its own namespace, network-slirp.ts): it reaches the internet, but
 * not the host's loopback, the host's own addresses, link-local or private ranges. DNS goes
 * to slirp's resolver (10.0.2.3), which forwards to the host's.
 */

/** Where the target directory is, read-write, inside the sandbox. */
export const INSTALL_TARGET = '/install/target';
/** Where the read-only inputs (a requirements file, a package.json) are. */
export const INSTALL_INPUT = '/install/input';
/** How long one install may take before it is killed. */
export const INSTALL_SANDBOX_TIMEOUT_MS = 5 * 60_000;
/** CPU seconds one install may use (RLIMIT_CPU). */
const CPU_SECONDS = 300;
const TMP_SIZE_MB = 1024;
const MIB = 1024 * 1024;
const SLIRP_RESOLVER = '10.0.2.3';

const ETC_FILES = [
  '/etc/ld.so.cache', '/etc/ssl/certs', '/etc/ssl/openssl.cnf', '/etc/ca-certificates', '/etc/passwd', '/etc/group', '/etc/localtime',
  '/etc/hosts', '/etc/nsswitch.conf', '/etc/gai.conf',
];

export interface InstallSandboxSpec {
  /** The installer and its arguments, as paths inside the sandbox (system paths are the same). */
  command: string;
  args: string[];
  /** Host directory bound read-write at INSTALL_TARGET; the installer's working directory. */
  targetDir: string;
  /** Files written read-only under INSTALL_INPUT: name → content. */
  inputs?: Record<string, string>;
  /** Variables besides PATH, HOME, LANG. */
  env?: Record<string, string>;
  /** Network through slirp4netns (default), or none at all. */
  network?: 'index' | 'none';
  /** RLIMIT_AS in MiB; undefined for none (V8 reserves far more address space than it uses). */
  addressSpaceMb?: number;
  timeoutMs?: number;
  onLine?: (line: string) => void;
  logger: Logger;
}

/** The bwrap arguments, command included. `inputDir` holds the inputs and resolv.conf. */
export function installSandboxArgs(spec: InstallSandboxSpec, inputDir: string, withNetwork: boolean): string[] {
  const args = confinementArgs('pyfaas-install', !withNetwork);
  args.push(...systemArgs(spec.command));
  for (const file of ETC_FILES) args.push('--ro-bind-try', file, file);
  if (withNetwork) args.push('--ro-bind', path.join(inputDir, 'resolv.conf'), '/etc/resolv.conf');
  args.push('--proc', '/proc', '--dev', '/dev', '--remount-ro', '/dev');
  args.push('--size', String(TMP_SIZE_MB * MIB), '--tmpfs', '/tmp');
  args.push('--ro-bind', path.join(inputDir, 'in'), INSTALL_INPUT, '--bind', spec.targetDir, INSTALL_TARGET);
  args.push('--remount-ro', '/', '--chdir', INSTALL_TARGET, '--clearenv');
  const env = { ...spec.env, PATH: '/usr/bin:/bin', HOME: '/tmp', LANG: 'C.UTF-8', TMPDIR: '/tmp' };
  for (const [name, value] of Object.entries(env)) args.push('--setenv', name, value);
  args.push('--', spec.command, ...spec.args);
  return args;
}

let nsenter: string | undefined;

/**
 * Runs an installer in the install sandbox and returns its exit code and output. Throws
 * SetupError when the sandbox or its network cannot start, or the install runs out of time
 * (it is killed, and with bwrap's pid 1 everything it started).
 */
export async function runInstallSandbox(spec: InstallSandboxSpec): Promise<RunResult> {
  const inputDir = await mkdtemp(path.join(tmpdir(), 'pyfaas-install-'));
  const withNetwork = (spec.network ?? 'index') === 'index';
  let network: FunctionNetwork | undefined;
  try {
    await writeFile(path.join(inputDir, 'resolv.conf'), `nameserver ${SLIRP_RESOLVER}\n`);
    const inDir = path.join(inputDir, 'in');
    await mkdir(inDir);
    for (const [name, content] of Object.entries(spec.inputs ?? {})) await writeFile(path.join(inDir, path.basename(name)), content);
    const bwrapArgs = installSandboxArgs(spec, inputDir, withNetwork);
    let argv = [bwrapPath(), ...bwrapArgs];
    if (withNetwork) {
      network = await startFunctionNetwork({ instanceId: `install-${randomBytes(6).toString('hex')}`, logger: spec.logger });
      nsenter ??= requireExecutable('nsenter', 'install Debian\'s util-linux package');
      argv = [nsenter, `--net=${network.netnsPath}`, '--', ...argv];
    }
    const limits = [`ulimit -t ${CPU_SECONDS}`, ...(spec.addressSpaceMb ? [`ulimit -v ${spec.addressSpaceMb * 1024}`] : [])].join(' && ');
    // sh applies the limits and opens the seccomp program on SECCOMP_FD, then execs (same pid: the timeout kills bwrap).
    return await runCommand('/bin/sh', ['-c', `${limits} && exec "$@" ${launcherRedirects(bwrapArgs)}`, 'sh', ...argv], {
      env: { PATH: '/usr/bin:/bin' },
      timeoutMs: spec.timeoutMs ?? INSTALL_SANDBOX_TIMEOUT_MS,
      onLine: spec.onLine,
    });
  } finally {
    await network?.release();
    await rm(inputDir, { recursive: true, force: true });
  }
}
