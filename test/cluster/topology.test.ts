import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createTopology, destroyTopology, hostCommand, setLink, subnetFor, type Topology } from '../../cluster/topology';

const inHost = (topology: Topology, name: string, argv: string[]) =>
  execFileSync('ip', ['netns', 'exec', topology.hosts.find((host) => host.name === name)!.namespace, ...argv], { stdio: 'pipe' }).toString();
/** A TCP connect to a closed port: refused (the host answered) or not (unreachable). */
const REACH = 'import socket, sys\ns = socket.socket()\ns.settimeout(1)\ntry:\n    s.connect((sys.argv[1], 9))\nexcept ConnectionRefusedError:\n    print("reached")\nexcept OSError:\n    print("unreachable")\n';
const pings = (topology: Topology, from: string, to: string) => inHost(topology, from, ['python3', '-c', REACH, to]).trim() === 'reached';

describe('cluster topology', () => {
  let topology: Topology;
  beforeAll(() => {
    topology = createTopology([{ name: 'a' }, { name: 'b', cores: 0.5 }]);
  });
  afterAll(() => destroyTopology(topology));

  it('derives a private /24 from the pid', () => {
    expect(subnetFor(4242).subnet).toMatch(/^10\.2[0-4]\d\.\d{1,3}\.0\/24$/);
    expect(topology.subnet).toBe(subnetFor(process.pid).subnet);
  });

  it('gives each host its own namespace with one address on the bridge, and a cgroup with its CPU quota', () => {
    const [a, b] = topology.hosts;
    expect(inHost(topology, 'a', ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0'])).toContain(`${a.address}/24`);
    expect(pings(topology, 'a', b.address)).toBe(true);
    expect(readFileSync(`${b.cgroup}/cpu.cfs_quota_us`, 'utf8').trim()).toBe('50000');
    expect(readFileSync(`${a.cgroup}/cpu.cfs_quota_us`, 'utf8').trim()).toBe('-1');
  });

  it('cuts a host off the bridge and restores it', () => {
    const [, b] = topology.hosts;
    setLink(topology, b, false);
    expect(pings(topology, 'a', b.address)).toBe(false);
    setLink(topology, b, true);
    expect(pings(topology, 'a', b.address)).toBe(true);
  });

  it('runs a command on a host: in its cgroup and its namespace', () => {
    const [, b] = topology.hosts;
    const [command, ...args] = hostCommand(b, ['sh', '-c', 'cat /proc/self/cgroup; ip -4 -o addr show dev eth0']);
    const output = execFileSync(command, args).toString();
    expect(output).toMatch(new RegExp(`cpu(,cpuacct)?:/${b.cgroup.split('/').pop()}`));
    expect(output).toContain(`${b.address}/24`);
  });
});
