import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { silentLogger } from '../../../common/logger';
import { INSTALL_INPUT, INSTALL_TARGET, runInstallSandbox } from '../../../modules/runtime/install-sandbox';
import { python3Path } from '../../../modules/runtime/interpreters';
import { hostAddresses } from '../../../modules/worker/network-slirp';
import { useScratchDir } from '../artifacts/archives';

/** Runs a Python snippet in the install sandbox, without network unless asked, and returns what it printed. */
async function inSandbox(targetDir: string, code: string, network: 'index' | 'none' = 'none') {
  return runInstallSandbox({ command: python3Path(), args: ['-I', '-c', code], targetDir, network, inputs: { 'note.txt': 'input\n' }, logger: silentLogger() });
}

/** Tries `action` on each path and prints one word per path: ok or the errno name. */
const PROBE = `
import errno, json, os, sys
def attempt(action):
    try:
        action()
        return "ok"
    except OSError as exc:
        return errno.errorcode.get(exc.errno, str(exc.errno))
def write(p):
    with open(p, "w") as f:
        f.write("x")
print(json.dumps({
    "uid": os.getuid(), "gid": os.getgid(), "env": sorted(os.environ),
    "writeTarget": attempt(lambda: write("${INSTALL_TARGET}/made")),
    "writeData": attempt(lambda: write(sys.argv[1] + "/escaped")),
    "readData": attempt(lambda: os.listdir(sys.argv[1])),
    "readRoot": attempt(lambda: os.listdir("/root")),
    "writeUsr": attempt(lambda: write("/usr/escaped")),
    "writeInput": attempt(lambda: write("${INSTALL_INPUT}/note.txt")),
    "readInput": open("${INSTALL_INPUT}/note.txt").read().strip(),
}))
`;

describe('install sandbox', () => {
  const scratch = useScratchDir('install-sandbox', 'each');

  it('runs as uid 65534 with a clean environment, and only the target directory is writable', async () => {
    const target = path.join(scratch.dir, 'target');
    const data = path.join(scratch.dir, 'data');
    mkdirSync(target);
    mkdirSync(data);
    writeFileSync(path.join(data, 'secret'), 'platform data');
    const result = await runInstallSandbox({
      command: python3Path(), args: ['-I', '-c', PROBE, data], targetDir: target, network: 'none', inputs: { 'note.txt': 'input\n' }, logger: silentLogger(),
    });
    expect(result.code).toBe(0);
    const seen = JSON.parse(result.output.trim().split('\n').pop()!);
    expect(seen).toMatchObject({
      uid: 65534, gid: 65534, writeTarget: 'ok', writeData: 'ENOENT', readData: 'ENOENT', readRoot: 'ENOENT', writeUsr: 'EROFS', writeInput: 'EROFS', readInput: 'input',
    });
    expect(seen.env).toEqual(['HOME', 'LANG', 'PATH', 'PWD', 'TMPDIR']);
    expect(readdirSync(target)).toEqual(['made']);
    expect(readdirSync(data)).toEqual(['secret']);
    expect(statSync(path.join(target, 'made')).isFile()).toBe(true);
  });

  it('has no network with network "none", and with the index network reaches neither the host loopback nor the host addresses', async () => {
    const target = path.join(scratch.dir, 'target');
    mkdirSync(target);
    const connect = (host: string, port: number) => `
import socket
try:
    socket.create_connection((${JSON.stringify(host)}, ${port}), timeout=3).close()
    print("connected")
except OSError as exc:
    print(type(exc).__name__)
`;
    const offline = await inSandbox(target, connect('1.1.1.1', 443));
    expect(offline.output.trim()).not.toBe('connected');
    const server = createServer((socket) => socket.end()).listen(0, '0.0.0.0');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      for (const host of ['127.0.0.1', ...hostAddresses()]) {
        const probe = await inSandbox(target, connect(host, port), 'index');
        expect(probe.code).toBe(0);
        expect(`${host} ${probe.output.trim()}`).not.toBe(`${host} connected`);
      }
    } finally {
      server.close();
    }
  });

  it('is killed when it runs past its time limit', async () => {
    const target = path.join(scratch.dir, 'target');
    mkdirSync(target);
    const started = Date.now();
    await expect(runInstallSandbox({
      command: python3Path(), args: ['-c', 'import time; time.sleep(60)'], targetDir: target, network: 'none', timeoutMs: 1500, logger: silentLogger(),
    })).rejects.toThrow(/did not finish within/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
