import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { silentLogger } from '../../../common/logger';
import { python3Path } from '../../../modules/runtime/interpreters';
import { createInstanceLimits } from '../../../modules/worker/limits';
import { hostAddresses, removeOrphanedFunctionNetworks, startFunctionNetwork, type FunctionNetwork } from '../../../modules/worker/network-slirp';
import { sandboxCommand } from '../../../modules/worker/sandbox';
import { removeFunctionDirs, request, startedInstance, stopInstances, writeFunction } from './fixtures';

/** Tries each host:port and prints what happened, as the function would see it. */
const PROBE = `
import json, socket, sys
out = {}
for target in json.loads(sys.argv[1]):
    host, port = target.rsplit(":", 1)
    try:
        s = socket.create_connection((host, int(port)), timeout=3)
        s.sendall(b"GET / HTTP/1.0\\r\\n\\r\\n")
        out[target] = "connected:" + s.recv(12).decode(errors="replace")
        s.close()
    except OSError as exc:
        out[target] = type(exc).__name__
print(json.dumps(out))
`;

const INTERNET_NS = `pyfaas-test-internet-${process.pid}`;
const VETH = `pft${process.pid % 100000}`;
const run = (args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });

/** Runs the probe in a network-enabled sandbox and returns what it printed. */
async function probeFrom(network: FunctionNetwork, targets: string[]): Promise<Record<string, string>> {
  const codeDir = writeFunction({ 'probe.py': PROBE });
  const id = `nettest-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const limits = createInstanceLimits({ instanceId: id, memoryMb: 128, maxPids: 64, interpreter: python3Path(), logger: silentLogger() });
  const { command, args } = sandboxCommand({
    codeDir, shimDir: codeDir, env: {}, allowNetwork: true, functionName: 'net', version: 1, memoryMb: 128, netnsPath: network.netnsPath,
    launch: { command: python3Path(), args: ['/var/task/probe.py', JSON.stringify(targets)], env: {} },
  });
  const wrapped = limits.wrap(command, args);
  const child: ChildProcess = spawn(wrapped.command, wrapped.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise((resolve) => child.on('close', resolve));
  await limits.release();
  if (!stdout.trim()) throw new Error(`the probe printed nothing: ${stderr}`);
  return JSON.parse(stdout);
}

describe('network for functions that allow it (slirp4netns)', () => {
  let platform: Server;
  let port: number;
  let internet: ChildProcess;
  let network: FunctionNetwork;

  beforeAll(async () => {
    platform = createServer((socket) => socket.end('platform'));
    await new Promise<void>((resolve) => platform.listen(0, '0.0.0.0', resolve));
    port = (platform.address() as AddressInfo).port;
    // "The internet": another namespace behind a veth, 203.0.113.0/24 (TEST-NET-3), serving HTTP.
    run(['netns', 'add', INTERNET_NS]);
    run(['link', 'add', VETH, 'type', 'veth', 'peer', 'name', `${VETH}i`]);
    run(['link', 'set', `${VETH}i`, 'netns', INTERNET_NS]);
    run(['addr', 'add', '203.0.113.1/24', 'dev', VETH]);
    run(['link', 'set', VETH, 'up']);
    run(['-n', INTERNET_NS, 'addr', 'add', '203.0.113.2/24', 'dev', `${VETH}i`]);
    run(['-n', INTERNET_NS, 'link', 'set', `${VETH}i`, 'up']);
    run(['-n', INTERNET_NS, 'link', 'set', 'lo', 'up']);
    internet = spawn('ip', ['netns', 'exec', INTERNET_NS, python3Path(), '-m', 'http.server', '--bind', '203.0.113.2', '8080'], { stdio: 'ignore', cwd: '/' });
    for (let i = 0; i < 50; i += 1) {
      try {
        execFileSync('ip', ['netns', 'exec', INTERNET_NS, python3Path(), '-c', 'import socket; socket.create_connection(("203.0.113.2", 8080), timeout=1).close()'], { stdio: 'ignore' });
        break;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    network = await startFunctionNetwork({ instanceId: `nettest-${process.pid}`, logger: silentLogger() });
  });

  afterAll(async () => {
    await stopInstances();
    await network?.release();
    internet?.kill('SIGKILL');
    try {
      run(['link', 'delete', VETH]);
    } catch {
      // went with the namespace
    }
    try {
      run(['netns', 'delete', INTERNET_NS]);
    } catch {
      // not made
    }
    await new Promise((resolve) => platform.close(resolve));
    removeFunctionDirs();
  });

  it('reaches a server outside the host', async () => {
    const result = await probeFrom(network, ['203.0.113.2:8080']);
    expect(result['203.0.113.2:8080']).toMatch(/^connected:HTTP\/1\.0/);
  });

  it("cannot open the host's loopback, its own addresses, link-local or private ranges", async () => {
    const targets = [
      `127.0.0.1:${port}`, `10.0.2.2:${port}`, ...hostAddresses().map((address) => `${address}:${port}`), '203.0.113.1:' + port,
      '169.254.169.254:80', '10.1.2.3:80', '172.16.0.1:80', '192.168.1.1:80', '100.64.0.1:80',
    ];
    const result = await probeFrom(network, targets);
    for (const target of targets) expect([target, result[target]]).toEqual([target, expect.not.stringMatching(/^connected/)]);
  });

  it('gives a warm instance with allowNetwork the outside but not the host, and removes its namespace with it', async () => {
    const handler = `import socket\n\ndef handler(event, context):\n    out = {}\n    for target in event:\n        host, port = target.rsplit(":", 1)\n        try:\n            socket.create_connection((host, int(port)), timeout=3).close()\n            out[target] = "connected"\n        except OSError as exc:\n            out[target] = type(exc).__name__\n    return out\n`;
    const instance = await startedInstance({ 'main.py': handler }, { allowNetwork: true, functionName: 'net-instance' });
    const targets = ['203.0.113.2:8080', `127.0.0.1:${port}`, ...hostAddresses().map((address) => `${address}:${port}`)];
    const outcome = await instance.invoke(request(targets), 20_000);
    expect(outcome).toMatchObject({ status: 'succeeded' });
    const result = outcome.result as Record<string, string>;
    expect(result['203.0.113.2:8080']).toBe('connected');
    for (const target of targets.slice(1)) expect([target, result[target]]).toEqual([target, expect.not.stringMatching(/^connected/)]);
    await instance.kill();
    expect(execFileSync('ip', ['netns', 'list']).toString()).not.toContain(instance.id);
  });

  it('removes its namespace when released', async () => {
    const other = await startFunctionNetwork({ instanceId: `nettest-gone-${process.pid}`, logger: silentLogger() });
    expect(execFileSync('ip', ['netns', 'list']).toString()).toContain(`nettest-gone-${process.pid}`);
    await other.release();
    expect(execFileSync('ip', ['netns', 'list']).toString()).not.toContain(`nettest-gone-${process.pid}`);
  });
});

describe('namespaces a dead worker left behind', () => {
  const netnsNames = () => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((line) => line.split(' ')[0]);

  it('names each instance namespace after its worker process, and removes only those whose worker is gone', async () => {
    const network = await startFunctionNetwork({ instanceId: `orphan-live-${process.pid}`, logger: silentLogger() });
    const dead = spawn('true');
    await new Promise((resolve) => dead.on('exit', resolve));
    const orphan = `pyfaas-p${dead.pid}-orphan-${process.pid}`;
    const unrelated = `pyfaas-test-unrelated-${process.pid}`;
    run(['netns', 'add', orphan]);
    run(['netns', 'add', unrelated]);
    try {
      expect(network.netnsPath).toBe(`/run/netns/pyfaas-p${process.pid}-orphan-live-${process.pid}`);
      expect(await removeOrphanedFunctionNetworks(silentLogger())).toBeGreaterThanOrEqual(1);
      const left = netnsNames();
      expect(left).not.toContain(orphan);
      expect(left).toContain(`pyfaas-p${process.pid}-orphan-live-${process.pid}`);
      expect(left).toContain(unrelated);
    } finally {
      await network.release();
      for (const name of [orphan, unrelated]) if (netnsNames().includes(name)) run(['netns', 'delete', name]);
    }
  });
});
