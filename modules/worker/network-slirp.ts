import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { SetupError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { processAlive } from '../../common/process-alive';
import { requireExecutable } from '../../infra/command';

/**
 * User-mode networking for a function that allows network.
 *
 * Each such instance gets a network namespace made here, owned by the host's user namespace
 * (so nothing inside the sandbox's own user namespace can ever administer it), in which:
 * - slirp4netns (`--disable-host-loopback`, under its own seccomp filter) provides
 *   tap0 with a default route through its user-mode NAT, so connections leave from the
 *   worker's network as ordinary sockets, never as routed packets;
 * - `unreachable` routes, set before tap0 exists, make every private, shared, link-local,
 *   multicast and reserved range, and every address of the host itself, fail at connect()
 *   with EHOSTUNREACH/ENETUNREACH before a packet reaches slirp. slirp4netns alone only
 *   blocks 127.0.0.1; the routes do the rest, and the function cannot change them: it has
 *   no capability over this namespace. slirp's own resolver (10.0.2.3) stays reachable
 *   through its connected /24, so DNS works; the host's loopback behind 10.0.2.2 does not.
 * The sandbox is then started inside the namespace (`sandboxCommand` with `netnsPath`).
 */

/** Ranges no function reaches unless a runtime policy lists them (IPv6 is not offered at all). */
export const BLOCKED_CIDRS = [
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24',
  '192.168.0.0/16', '198.18.0.0/15', '224.0.0.0/4', '240.0.0.0/4',
];
const TAP = 'tap0';
/** slirp4netns's gateway on its default 10.0.2.0/24. */
const SLIRP_GATEWAY = '10.0.2.2';
const READY_TIMEOUT_MS = 5000;
const SAFE_NAME = /^[A-Za-z0-9_-]+$/;
const NETNS_DIR = '/run/netns';
/** An instance's namespace names the worker process that made it, so a later one can remove what a dead one left. */
const OWNED_NAMESPACE = /^pyfaas-p(\d+)-/;

function namespaceName(instanceId: string): string {
  return `pyfaas-p${process.pid}-${instanceId}`;
}

/**
 * Deletes the network namespaces of instances whose worker process is gone (SIGKILLed, or
 * crashed before releasing them): slirp4netns exits with its worker (--exit-fd), but a named
 * namespace is a file in /run/netns and outlives both. Namespaces of live workers (other
 * workers on this host among them) are left alone. Returns how many were removed; never throws.
 */
export async function removeOrphanedFunctionNetworks(logger: Logger): Promise<number> {
  let names: string[];
  try {
    names = readdirSync(NETNS_DIR);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const owner = OWNED_NAMESPACE.exec(name);
    if (!owner || processAlive(Number(owner[1]))) continue;
    try {
      await ip(undefined, ['netns', 'delete', name]);
      removed += 1;
    } catch (err) {
      logger.warn({ err, netns: name }, 'could not delete a dead worker\'s instance network namespace');
    }
  }
  if (removed > 0) logger.info({ removed }, 'removed the network namespaces instances of dead worker processes left');
  return removed;
}

export interface NetworkOptions {
  instanceId: string;
  logger: Logger;
  /** Ranges of BLOCKED_CIDRS (or host addresses) a runtime policy lets functions reach, e.g. `10.20.0.0/16`. */
  allowCidrs?: string[];
}

/** One instance's network namespace and its slirp4netns, until `release`. */
export interface FunctionNetwork {
  /** The namespace's path, for `SandboxSpec.netnsPath`. */
  readonly netnsPath: string;
  /** Stops slirp4netns and deletes the namespace. Never throws. */
  release(): Promise<void>;
}

let tools: { ip: string; slirp: string } | undefined;

function requireTools(): { ip: string; slirp: string } {
  tools ??= {
    ip: requireExecutable('ip', 'install Debian\'s iproute2 package'),
    slirp: requireExecutable('slirp4netns', 'install Debian\'s slirp4netns package (pyfaas provisions it on first start)'),
  };
  return tools;
}

/** The host's own IPv4 addresses outside 127/8: reachable through slirp's NAT unless routed away. */
export function hostAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((address) => address && address.family === 'IPv4' && !address.internal)
    .map((address) => address!.address);
}

/** Runs `ip [-n netns] args`, `input` on its stdin (for -batch). Throws SetupError when it fails. */
function ip(netns: string | undefined, args: string[], input?: string): Promise<void> {
  const { ip: command } = requireTools();
  return new Promise((resolve, reject) => {
    const child = execFile(command, netns ? ['-n', netns, ...args] : args, { timeout: 10_000, env: { PATH: '/usr/bin:/bin' } }, (err, _stdout, stderr) => {
      if (err) reject(new SetupError(`ip ${args.join(' ')} failed: ${String(stderr).trim().slice(-500) || err.message}`));
      else resolve();
    });
    child.stdin?.on('error', () => undefined); // ip exited early: its own error says why
    child.stdin?.end(input ?? '');
  });
}

function waitReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new SetupError(`slirp4netns was not ready within ${READY_TIMEOUT_MS} ms.`)), READY_TIMEOUT_MS);
    (child.stdio[3] as Readable).once('data', () => {
      clearTimeout(timer);
      resolve();
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new SetupError(`slirp4netns exited (${signal ?? `code ${code}`}) before the network was up.`));
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new SetupError(`slirp4netns could not be started: ${err.message}`));
    });
  });
}

/**
 * Makes the namespace, its routes and its slirp4netns. Throws SetupError when a tool is
 * missing or the network does not come up; nothing is left behind then.
 */
export async function startFunctionNetwork(options: NetworkOptions): Promise<FunctionNetwork> {
  if (!SAFE_NAME.test(options.instanceId)) throw new Error(`Instance id "${options.instanceId}" must be letters, digits, _ and - only.`);
  const { slirp } = requireTools();
  const name = namespaceName(options.instanceId);
  const netnsPath = `${NETNS_DIR}/${name}`;
  const allowed = new Set(options.allowCidrs ?? []);
  let child: ChildProcess | undefined;
  const release = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    try {
      await ip(undefined, ['netns', 'delete', name]);
    } catch (err) {
      options.logger.warn({ err, netns: name }, 'could not delete the instance\'s network namespace');
    }
  };
  await ip(undefined, ['netns', 'add', name]);
  try {
    const blocked = [...BLOCKED_CIDRS, ...hostAddresses().map((address) => `${address}/32`)].filter((cidr) => !allowed.has(cidr));
    await ip(name, ['-batch', '-'], ['link set lo up', ...blocked.map((cidr) => `route add unreachable ${cidr}`)].join('\n') + '\n');
    // Not --enable-sandbox: its mount namespace unmounts the shared /run/netns binds, this
    // namespace's among them, on the host too. fd 3: slirp writes "1" once tap0 is configured; fd 4: it exits when the worker's end closes (the worker died).
    child = spawn(
      slirp,
      ['--configure', '--mtu=65520', '--disable-host-loopback', '--enable-seccomp', '--netns-type=path', '--ready-fd=3', '--exit-fd=4', netnsPath, TAP],
      { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'], env: { PATH: '/usr/bin:/bin' } },
    );
    for (const stream of child.stdio) stream?.on('error', () => undefined);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-2000)));
    await waitReady(child).catch((err: Error) => {
      throw new SetupError(`${err.message} ${stderr.trim().slice(-500)}`.trim());
    });
    void (child.stdio[4] as Writable); // kept open for the instance's lifetime
    const opened = [...allowed].map((cidr) => `route add ${cidr} via ${SLIRP_GATEWAY} dev ${TAP}`);
    if (opened.length > 0) await ip(name, ['-batch', '-'], opened.join('\n') + '\n');
  } catch (err) {
    await release();
    throw err;
  }
  options.logger.debug({ netns: name, pid: child.pid }, 'function network ready');
  return { netnsPath, release };
}
