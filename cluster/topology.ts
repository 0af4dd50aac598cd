import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { processAlive } from '../common/process-alive';

/**
 * The test topology: hosts on one machine, each its own network namespace with one address
 * on a bridge, and its own cgroup with a CPU quota, so each stands in for a small separate
 * machine. The bridge lives in a "wire" namespace made for it, which also holds the
 * programs that drive the hosts (the harness, the load, the side-effect ledger): no address
 * outside namespaces made here is ever used. Needs root (ip netns, cgroup v1 cpu controller).
 */

export interface TopologyHost {
  name: string;
  namespace: string;
  /** Its address on the bridge. */
  address: string;
  /** The veth end in the wire namespace: `ip -n <wire> link set <veth> down` cuts the host off. */
  veth: string;
  /** The cgroup (cpu controller) every process of the host runs in. */
  cgroup: string;
  /** Its CPU quota in cores; undefined: no quota. */
  cores?: number;
}

export interface Topology {
  /** The creating process's pid: names carry it, so a stale topology is known by a dead pid. */
  owner: number;
  /** The bridge's /24, e.g. 10.213.57.0/24. */
  subnet: string;
  wire: { namespace: string; address: string };
  /**
   * An address on the bridge outside the private ranges (TEST-NET-2), routed to the wire
   * namespace from every host: the function network lets a function reach it, as it would
   * reach an address on the internet (the ledger listens here). Private addresses stay blocked.
   */
  internetAddress: string;
  hosts: TopologyHost[];
}

export interface HostPlan {
  name: string;
  cores?: number;
}

const CPU_CGROUP_ROOT = '/sys/fs/cgroup/cpu';
const PREFIX = 'pfcl';
const CFS_PERIOD_US = 100_000;

const ip = (args: string[]) => execFileSync('ip', args, { stdio: 'pipe' }).toString();

function quietly(action: () => void): void {
  try {
    action();
  } catch {
    // already gone
  }
}

/** A private /24 derived from the pid (10.200.0.0–10.249.255.0), refused when the machine already routes it. */
export function subnetFor(pid: number): { prefix: string; subnet: string } {
  const prefix = `10.${200 + (Math.floor(pid / 256) % 50)}.${pid % 256}`;
  const subnet = `${prefix}.0/24`;
  if (ip(['route', 'show']).includes(`${prefix}.`)) throw new Error(`the machine already routes ${subnet}; run again (another pid picks another subnet)`);
  return { prefix, subnet };
}

function namesFor(owner: number, host: string) {
  return { namespace: `${PREFIX}-${owner}-${host}`, veth: `${PREFIX}${owner % 1_000_000}${host}`, cgroup: path.join(CPU_CGROUP_ROOT, `${PREFIX}-${owner}-${host}`) };
}

/** Removes the namespaces and cgroups of topologies whose creator is no longer alive. */
export function removeStaleTopologies(): void {
  const dead = (name: string) => {
    const match = new RegExp(`^${PREFIX}-(\\d+)-`).exec(name);
    return match !== null && Number(match[1]) !== process.pid && !processAlive(Number(match[1]));
  };
  for (const line of ip(['netns', 'list']).split('\n')) {
    const name = line.split(' ')[0];
    if (name && dead(name)) quietly(() => ip(['netns', 'delete', name]));
  }
  if (existsSync(CPU_CGROUP_ROOT)) for (const entry of readdirSync(CPU_CGROUP_ROOT)) if (dead(entry)) quietly(() => rmdirSync(path.join(CPU_CGROUP_ROOT, entry)));
}

function makeCgroup(dir: string, cores: number | undefined): void {
  quietly(() => rmdirSync(dir));
  execFileSync('mkdir', ['-p', dir]);
  writeFileSync(path.join(dir, 'cpu.cfs_period_us'), String(CFS_PERIOD_US));
  writeFileSync(path.join(dir, 'cpu.cfs_quota_us'), quotaUs(cores));
}

const quotaUs = (cores: number | undefined) => (cores === undefined ? '-1' : String(Math.round(cores * CFS_PERIOD_US)));

/** The host cgroup's CFS periods so far and how many of them hit the quota (cpu.stat). */
export function cpuPeriods(host: TopologyHost, rootMountNs?: string): { periods: number; throttled: number } {
  const inRoot = rootMountNs ? ['nsenter', `--mount=${rootMountNs}`] : [];
  const argv = [...inRoot, 'cat', path.join(host.cgroup, 'cpu.stat')];
  const stat = execFileSync(argv[0], argv.slice(1), { stdio: 'pipe' }).toString();
  const field = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(stat)?.[1] ?? 0);
  return { periods: field('nr_periods'), throttled: field('nr_throttled') };
}

/** Sets the host's CPU quota (undefined: none); `rootMountNs` as for `hostCommand`. */
export function setCpuQuota(host: TopologyHost, cores: number | undefined, rootMountNs?: string): void {
  const file = path.join(host.cgroup, 'cpu.cfs_quota_us');
  const inRoot = rootMountNs ? ['nsenter', `--mount=${rootMountNs}`] : [];
  const argv = [...inRoot, 'sh', '-c', 'echo "$1" > "$2"', 'quota', quotaUs(cores), file];
  execFileSync(argv[0], argv.slice(1), { stdio: 'pipe' });
  host.cores = cores;
}

/** Makes the wire namespace with its bridge, then each host: namespace, veth on the bridge, address, cgroup. */
export function createTopology(plans: HostPlan[], owner = process.pid): Topology {
  removeStaleTopologies();
  const { prefix, subnet } = subnetFor(owner);
  const wire = { namespace: `${PREFIX}-${owner}-wire`, address: `${prefix}.1` };
  const internetAddress = `198.51.100.${(owner % 250) + 1}`;
  const topology: Topology = { owner, subnet, wire, internetAddress, hosts: [] };
  try {
    ip(['netns', 'add', wire.namespace]);
    ip(['-n', wire.namespace, 'link', 'set', 'lo', 'up']);
    ip(['-n', wire.namespace, 'link', 'add', 'br0', 'type', 'bridge']);
    ip(['-n', wire.namespace, 'addr', 'add', `${wire.address}/24`, 'dev', 'br0']);
    ip(['-n', wire.namespace, 'addr', 'add', `${internetAddress}/32`, 'dev', 'br0']);
    ip(['-n', wire.namespace, 'link', 'set', 'br0', 'up']);
    plans.forEach((plan, index) => {
      const names = namesFor(owner, plan.name);
      const host: TopologyHost = { name: plan.name, ...names, address: `${prefix}.${index + 2}`, cores: plan.cores };
      topology.hosts.push(host);
      ip(['netns', 'add', host.namespace]);
      ip(['link', 'add', host.veth, 'netns', wire.namespace, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', host.namespace]);
      ip(['-n', wire.namespace, 'link', 'set', host.veth, 'master', 'br0', 'up']);
      ip(['-n', host.namespace, 'link', 'set', 'lo', 'up']);
      ip(['-n', host.namespace, 'addr', 'add', `${host.address}/24`, 'dev', 'eth0']);
      ip(['-n', host.namespace, 'link', 'set', 'eth0', 'up']);
      ip(['-n', host.namespace, 'route', 'add', `${internetAddress}/32`, 'dev', 'eth0']);
      makeCgroup(host.cgroup, plan.cores);
    });
    return topology;
  } catch (err) {
    destroyTopology(topology);
    throw err;
  }
}

/** Deletes the namespaces (their veths go with them) and the cgroups, once their processes are gone. */
export function destroyTopology(topology: Topology): void {
  for (const host of topology.hosts) {
    quietly(() => ip(['netns', 'delete', host.namespace]));
    quietly(() => rmdirSync(host.cgroup));
  }
  quietly(() => ip(['netns', 'delete', topology.wire.namespace]));
}

export function hostNamed(topology: Topology, name: string): TopologyHost {
  const host = topology.hosts.find((entry) => entry.name === name);
  if (!host) throw new Error(`the topology has no host ${JSON.stringify(name)} (it has ${topology.hosts.map((h) => h.name).join(', ')})`);
  return host;
}

/** Cuts the host's link to the bridge (`up: false`) or restores it. */
export function setLink(topology: Topology, host: TopologyHost, up: boolean): void {
  ip(['-n', topology.wire.namespace, 'link', 'set', host.veth, up ? 'up' : 'down']);
}

/**
 * The argv that runs `argv` on the host: joins the host's cgroup (children inherit it), then
 * `ip netns exec` into its namespace. `rootMountNs` is a /proc/<pid>/ns/mnt of the root mount
 * namespace: a caller inside `ip netns exec` sees a fresh /sys without the cgroup mounts.
 */
export function hostCommand(host: TopologyHost, argv: string[], rootMountNs?: string): string[] {
  const join = `echo $$ > ${host.cgroup}/cgroup.procs && exec ip netns exec ${host.namespace} "$@"`;
  const inRoot = rootMountNs ? ['nsenter', `--mount=${rootMountNs}`] : [];
  return [...inRoot, 'sh', '-c', join, 'host', ...argv];
}
