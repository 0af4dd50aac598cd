import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InputError } from '../../../common/errors';
import { pythonLaunch, parsePythonHandler } from '../../../modules/runtime/python/launch';
import { sandboxArgs, type SandboxSpec } from '../../../modules/worker/sandbox';
import { removeFunctionDirs, request, startedInstance, stopInstances } from './fixtures';

const PROBES = `
import os, socket

def connect(event, context):
    try:
        socket.create_connection(("127.0.0.1", event["port"]), timeout=2).close()
        return "connected"
    except OSError as exc:
        return type(exc).__name__

def write_code(event, context):
    try:
        open("/var/task/new.txt", "w").write("x")
        return "written"
    except OSError as exc:
        return exc.errno

def use_tmp(event, context):
    with open("/tmp/scratch.txt", "w") as f:
        f.write("ok")
    return {"read": open("/tmp/scratch.txt").read(), "hostMarker": os.path.exists("/tmp/" + event["marker"]),
            "tmp": sorted(os.listdir("/tmp"))}

def environment(event, context):
    return dict(os.environ)

def identity(event, context):
    return {"uid": os.getuid(), "pid": os.getpid(), "hostname": socket.gethostname()}
`;

const probe = (exportName: string, overrides = {}) => startedInstance({ 'probes.py': PROBES }, { handler: `probes.${exportName}`, ...overrides });

describe('sandbox', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    server = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    removeFunctionDirs();
  });
  afterEach(stopInstances);

  it("never shares the host's network: the host's loopback is out of reach, network allowed or not", async () => {
    const isolated = await probe('connect');
    expect((await isolated.invoke(request({ port }), 5000)).result).toBe('ConnectionRefusedError');
    // Without a prepared namespace (network-slirp.ts) a function that allows network gets an empty one too.
    const networked = await probe('connect', { allowNetwork: true });
    expect((await networked.invoke(request({ port }), 5000)).result).not.toBe('connected');
  });

  it('mounts the code read-only and gives a private, writable /tmp', async () => {
    const code = await probe('write_code');
    expect((await code.invoke(request(), 5000)).result).toBe(30); // EROFS
    const marker = `pyfaas-host-marker-${process.pid}`;
    writeFileSync(path.join(tmpdir(), marker), 'host');
    try {
      const first = await probe('use_tmp');
      expect((await first.invoke(request({ marker }), 5000)).result).toEqual({ read: 'ok', hostMarker: false, tmp: ['scratch.txt'] });
      // Another instance does not see the first one's file: each has its own tmpfs.
      const second = await probe('use_tmp');
      expect((await second.invoke(request({ marker }), 5000)).result).toEqual({ read: 'ok', hostMarker: false, tmp: ['scratch.txt'] });
    } finally {
      rmSync(path.join(tmpdir(), marker), { force: true });
    }
  });

  it("passes only the function's own environment, the runtime's and PyFaaS's", async () => {
    const instance = await probe('environment', { env: { GREETING: 'hello', PYFAAS_MEMORY_MB: '1' }, memoryMb: 100 });
    const env = (await instance.invoke(request(), 5000)).result as Record<string, string>;
    expect(env).toEqual({
      GREETING: 'hello',
      LANG: 'C.UTF-8',
      PATH: '/usr/bin:/bin',
      HOME: '/tmp',
      PWD: '/var/task', // set by bwrap --chdir
      PYTHONPATH: '/var/task/.deps:/var/task',
      PYTHONDONTWRITEBYTECODE: '1',
      PYTHONUNBUFFERED: '1',
      PYFAAS_FUNCTION_NAME: instance.spec.functionName,
      PYFAAS_FUNCTION_VERSION: '1',
      PYFAAS_MEMORY_MB: '100', // the platform's value wins over the function's
    });
    expect(env.HOME).not.toBe(process.env.HOME);
  });

  it('runs the function in its own pid and uts namespaces', async () => {
    const instance = await probe('identity');
    const result = (await instance.invoke(request(), 5000)).result as { pid: number; hostname: string };
    expect(result.pid).toBeLessThan(10);
    expect(result.hostname).toBe('pyfaas');
  });
});

describe('sandboxArgs', () => {
  const spec = (overrides: Partial<SandboxSpec> = {}): SandboxSpec => ({
    codeDir: '/srv/code',
    shimDir: '/srv/shim',
    launch: pythonLaunch(parsePythonHandler('main.handler'), { memoryMb: 64 }),
    env: {},
    allowNetwork: false,
    functionName: 'f',
    version: 2,
    memoryMb: 64,
    ...overrides,
  });
  const pairs = (args: string[], flag: string) => args.flatMap((arg, i) => (arg === flag ? [`${args[i + 1]} ${args[i + 2]}`] : []));

  it('binds code and shim read-only and only binds resolv.conf in a prepared network namespace', () => {
    const closed = sandboxArgs(spec());
    expect(pairs(closed, '--ro-bind')).toEqual(expect.arrayContaining(['/srv/code /var/task', '/srv/shim /opt/pyfaas']));
    expect(closed).toContain('--unshare-net');
    expect(closed.join(' ')).not.toContain('/etc/resolv.conf');
    expect(sandboxArgs(spec({ allowNetwork: true }))).toContain('--unshare-net');
    const open = sandboxArgs(spec({ allowNetwork: true, netnsPath: '/run/netns/x' }));
    expect(open).not.toContain('--unshare-net');
    expect(open.join(' ')).toContain('/etc/resolv.conf');
  });

  it('gives every writable tmpfs a size and never binds /etc/ssl whole', () => {
    const args = sandboxArgs(spec({ memoryMb: 256 }));
    const tmpfs = args.flatMap((arg, i) => (arg === '--tmpfs' ? [[args[i + 1], args[i - 2]]] : []));
    expect(tmpfs.length).toBeGreaterThanOrEqual(2);
    for (const [dir, before] of tmpfs) expect([dir, before]).toEqual([dir, '--size']);
    expect(pairs(args, '--size')).toEqual(expect.arrayContaining([`${128 * 1024 * 1024} --tmpfs`]));
    expect(args).not.toContain('/etc/ssl');
    expect(args).toEqual(expect.arrayContaining(['--unshare-user', '--disable-userns', '--seccomp']));
  });

  it('ends with the interpreter command', () => {
    const args = sandboxArgs(spec());
    const launch = spec().launch;
    expect(args.slice(args.indexOf('--') + 1)).toEqual([launch.command, ...launch.args]);
  });

  it('refuses environment variable names bwrap cannot set', () => {
    expect(() => sandboxArgs(spec({ env: { 'BAD=NAME': 'x' } }))).toThrow(InputError);
    expect(() => sandboxArgs(spec({ env: { '': 'x' } }))).toThrow(InputError);
  });
});
