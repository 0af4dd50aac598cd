import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI } from '../support/cli';
import { functionName, startTestPyFaaS, type TestPyFaaS } from '../support/pyfaas';
import { runClient, startClient, until } from './client-support';

const HELLO = 'import json\n\ndef handler(event, context):\n    print("hello log", event.get("name"))\n    return {"hello": event.get("name", "world"), "version": 1}\n';
const RAISES = 'def handler(event, context):\n    raise ValueError("no good: " + str(event.get("why")))\n';

/** A code directory of files (path → content) under `root`. */
function codeDir(root: string, name: string, files: Record<string, string>): string {
  const dir = path.join(root, name);
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
  }
  return dir;
}

/**
 * The built CLI (`npm run build` first) against a real PyFaaS (real Temporal, sandboxed
 * functions), as a user in a fresh HOME runs it: login, deploy, invoke, read, delete.
 */
describe('pyfaas client commands (built CLI, real API)', () => {
  let pyfaas: TestPyFaaS;
  let home: string;
  let root: string;
  const fn = functionName('cli');
  const run = (args: string[], options: { env?: Record<string, string>; input?: string } = {}) => runClient(args, { home, ...options });

  beforeAll(async () => {
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first.`);
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'pyfaas-cli-home-'));
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'pyfaas-cli-code-'));
    pyfaas = await startTestPyFaaS({ database: 'sqlite' });
  });
  afterAll(async () => {
    await pyfaas?.close();
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(root, { recursive: true, force: true });
  });

  const configPath = () => path.join(home, '.config', 'pyfaas', 'config.json');

  it('refuses a bad token at login (exit 4) and saves nothing', async () => {
    const result = await run(['login', '--url', pyfaas.url, '--token-stdin'], { input: 'pyf_not_a_real_token\n' });
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/^pyfaas: TOKEN_[A-Z_]+: /m);
    expect(fs.existsSync(configPath())).toBe(false);
  });

  it('a command before login exits 4 and says how to log in', async () => {
    const result = await run(['ls']);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('pyfaas: NOT_LOGGED_IN: Not logged in: run pyfaas login');
  });

  it('logs in with a good token: saves url and token with mode 0600 in a 0700 directory', async () => {
    const result = await run(['login', '--url', `${pyfaas.url}/`, '--token-stdin'], { input: `${pyfaas.adminToken}\n` });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Logged in to ${pyfaas.url} as `);
    expect(fs.statSync(configPath()).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(configPath())).mode & 0o777).toBe(0o700);
    expect(JSON.parse(fs.readFileSync(configPath(), 'utf8'))).toEqual({ url: pyfaas.url, token: pyfaas.adminToken });
    const whoami = await run(['whoami', '--json']);
    expect(whoami.code).toBe(0);
    expect(JSON.parse(whoami.stdout)).toMatchObject({ role: 'admin' });
  });

  it('refuses a config file others can read (exit 4) until it is 0600 again', async () => {
    fs.chmodSync(configPath(), 0o644);
    try {
      const result = await run(['ls']);
      expect(result.code).toBe(4);
      expect(result.stderr).toContain('CONFIG_INSECURE');
      expect(result.stderr).toContain(`chmod 600 ${configPath()}`);
    } finally {
      fs.chmodSync(configPath(), 0o600);
    }
  });

  it('deploys a directory showing the upload and each step, ending with the version; invoke prints the result', async () => {
    const dir = codeDir(root, 'hello', { 'main.py': HELLO, 'pyfaas.json': JSON.stringify({ name: fn, memoryMb: 128, labels: { team: 'cli' } }), '__pycache__/x.pyc': 'junk', '.git/HEAD': 'ref' });
    const result = await run(['deploy', dir]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('packaged 2 files');
    expect(result.stderr).toContain(`creating ${fn}`);
    expect(result.stderr).toMatch(/upload\s+done/);
    for (const step of ['validate', 'store-artifact', 'warm', 'activate']) expect(result.stderr).toMatch(new RegExp(`^  ${step}\\s+done`, 'm'));
    expect(result.stdout.trim()).toBe(`deployed ${fn} version 1`);

    const invoked = await run(['invoke', fn, '--data', '{"name":"Ada"}']);
    expect(invoked.code).toBe(0);
    expect(JSON.parse(invoked.stdout)).toEqual({ hello: 'Ada', version: 1 });
    const piped = await run(['invoke', fn, '--json', '--logs'], { input: '{"name":"Bob"}' });
    expect(piped.code).toBe(0);
    expect(JSON.parse(piped.stdout)).toMatchObject({ status: 'succeeded', result: { hello: 'Bob' }, version: 1 });
    expect(piped.stderr).toContain('hello log Bob');
  });

  it('redeploying makes version 2, which becomes active; version 1 stays invocable', async () => {
    const dir = codeDir(root, 'hello', { 'main.py': HELLO.replace('"version": 1', '"version": 2') });
    const updated = await run(['deploy', dir]);
    expect(updated.code).toBe(0);
    expect(updated.stderr).toContain(`updating ${fn}`);
    expect(updated.stdout.trim()).toBe(`deployed ${fn} version 2`);
    const invoked = await run(['invoke', fn, '--data', '{}']);
    expect(JSON.parse(invoked.stdout)).toEqual({ hello: 'world', version: 2 });
    const first = await run(['invoke', fn, '--version', '1', '--data', '{}']);
    expect(JSON.parse(first.stdout)).toEqual({ hello: 'world', version: 1 });
  });

  it('ls, get and versions print tables, and --json prints the API JSON', async () => {
    const ls = await run(['ls']);
    expect(ls.code).toBe(0);
    expect(ls.stdout.split('\n')[0]).toMatch(/^NAME\s+RUNTIME\s+VERSION\s+MEMORY/);
    expect(ls.stdout).toMatch(new RegExp(`^${fn}\\s+python3\\s+2\\s+128M`, 'm'));
    const lsJson = JSON.parse((await run(['ls', '--json', '--label', 'team=cli'])).stdout);
    expect(lsJson.items.map((f: { name: string }) => f.name)).toEqual([fn]);

    const get = await run(['get', fn]);
    expect(get.stdout).toMatch(/^handler:\s+main\.handler$/m);
    expect(get.stdout).toMatch(/^active version:\s+2$/m);
    expect(JSON.parse((await run(['get', fn, '--json'])).stdout)).toMatchObject({ name: fn, runtime: 'python3', activeVersion: 2, labels: { team: 'cli' } });

    const versions = await run(['versions', fn]);
    expect(versions.stdout).toMatch(/^1\s+ready\s+python3\s+main\.handler/m);
    expect(versions.stdout).toMatch(/^2\*\s+ready/m);
    expect(JSON.parse((await run(['versions', fn, '--json'])).stdout).items).toHaveLength(2);

    const invocations = await run(['invocations', '--fn', fn, '--status', 'succeeded', '--json']);
    expect(invocations.code).toBe(0);
    expect(JSON.parse(invocations.stdout).items.length).toBeGreaterThanOrEqual(1);
  });

  it('logs prints the lines invocations printed, with their invocation ids; --json parses', async () => {
    await until(async () => (await run(['logs', fn])).stdout.includes('hello log Bob'), 'the logged lines');
    const logs = await run(['logs', fn]);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(new RegExp(`^\\S+Z ${fn}-\\S+ v1 hello log Ada$`, 'm'));
    const json = JSON.parse((await run(['logs', fn, '--json', '--limit', '1'])).stdout);
    expect(json.items).toHaveLength(1);
    expect(json.items[0]).toMatchObject({ stream: 'stdout', line: expect.stringMatching(/^hello log /) });
    expect((await run(['logs', fn, '--since', 'soon'])).code).toBe(2);
  });

  it('logs -f prints a line from an invocation made after it started, until Ctrl-C', async () => {
    const following = startClient(['logs', fn, '-f', '--limit', '1'], { home });
    try {
      await until(() => following.stdout().includes('hello log'), 'the backlog line');
      expect(following.stdout()).not.toContain('hello log Live');
      expect((await run(['invoke', fn, '--data', '{"name":"Live"}'])).code).toBe(0);
      await until(() => following.stdout().includes('hello log Live'), 'the live line');
    } finally {
      following.child.kill('SIGINT');
    }
    expect((await following.exited).code).toBe(0);
  });

  it('a raising function exits 1 with its error type and message', async () => {
    const bad = functionName('cli-raise');
    const dir = codeDir(root, 'raises', { 'handler.py': RAISES });
    expect((await run(['deploy', dir, '--name', bad])).code).toBe(0);
    const result = await run(['invoke', bad, '--data', '{"why":"testing"}']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^pyfaas: ValueError: ${bad} failed \\(.+\\): no good: testing$`, 'm'));
    expect(result.stdout).toBe('');
  });

  it('refuses a symlink leaving the code directory before uploading (exit 5)', async () => {
    const dir = codeDir(root, 'escape', { 'main.py': HELLO });
    fs.symlinkSync('/etc/hostname', path.join(dir, 'leak.txt'));
    const name = functionName('cli-escape');
    const result = await run(['deploy', dir, '--name', name]);
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('pyfaas: CODE_REFUSED: leak.txt is a symlink to /etc/hostname, outside');
    expect((await run(['get', name])).code).toBe(3);
  });

  it('an unknown function exits 3 with the API code', async () => {
    const result = await run(['get', 'no-such-fn']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^pyfaas: FUNCTION_NOT_FOUND: /m);
    expect((await run(['invoke', 'no-such-fn', '--data', '{}'])).code).toBe(3);
  });

  it('usage errors exit 2: unknown command, unknown option, missing argument, bad --data JSON', async () => {
    for (const args of [['nope'], ['ls', '--bogus'], ['invoke'], ['invoke', fn, '--data', '{bad']]) {
      const result = await run(args);
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
      expect(result.stderr).not.toBe('');
    }
    expect((await run(['rm', fn])).stderr).toContain('pass --yes');
  });

  it('a token without the permission exits 4; PYFAAS_URL/PYFAAS_TOKEN override the saved login', async () => {
    const created = await run(['tokens', 'create', '--name', 'cli invoker', '--role', 'invoker', '--json']);
    expect(created.code).toBe(0);
    const { token, id } = JSON.parse(created.stdout);
    const env = { PYFAAS_URL: pyfaas.url, PYFAAS_TOKEN: token };
    const whoami = await run(['whoami', '--json'], { env });
    expect(JSON.parse(whoami.stdout)).toMatchObject({ role: 'invoker', name: 'cli invoker' });
    const denied = await run(['rm', fn, '--yes'], { env });
    expect(denied.code).toBe(4);
    expect(denied.stderr).toMatch(/^pyfaas: NOT_ALLOWED: /m);
    expect((await run(['invoke', fn, '--data', '{}'], { env })).code).toBe(0);

    expect((await run(['tokens', 'ls'])).stdout).toMatch(new RegExp(`^${id}\\s+cli invoker\\s+invoker`, 'm'));
    expect((await run(['tokens', 'revoke', id])).code).toBe(0);
  });

  it('aliases set/ls/rm and triggers create/ls/rm', async () => {
    const set = await run(['aliases', 'set', fn, 'live', '1=90', '2=10']);
    expect(set.code).toBe(0);
    expect(set.stdout.trim()).toBe(`${fn}:live → v1:90% v2:10%`);
    expect((await run(['aliases', 'ls', fn])).stdout).toMatch(/^live\s+v1:90% v2:10%/m);
    expect((await run(['aliases', 'set', fn, 'live', '1=50'])).code).toBe(5);
    expect((await run(['aliases', 'rm', fn, 'live'])).code).toBe(0);
    expect((await run(['aliases', 'rm', fn, 'live'])).code).toBe(3);

    const trigger = functionName('cli-route');
    const created = await run(['triggers', 'create', trigger, '--kind', 'http', '--fn', fn, '--config', JSON.stringify({ method: 'POST', path: `/${trigger}` })]);
    expect({ code: created.code, stderr: created.stderr }).toEqual({ code: 0, stderr: '' });
    expect((await run(['triggers', 'ls', '--fn', fn])).stdout).toMatch(new RegExp(`^${trigger}\\s+http\\s+${fn}\\s+no`, 'm'));
    expect((await run(['triggers', 'rm', trigger])).code).toBe(0);
    expect((await run(['triggers', 'get', trigger])).code).toBe(3);
  });

  it('rm --yes deletes the function; logout forgets the login', async () => {
    const removed = await run(['rm', fn, '--yes']);
    expect(removed.code).toBe(0);
    expect(removed.stdout.trim()).toBe(`deleted ${fn}`);
    expect((await run(['get', fn])).code).toBe(3);
    expect((await run(['logout'])).code).toBe(0);
    expect(fs.existsSync(configPath())).toBe(false);
    expect((await run(['ls'])).code).toBe(4);
  });

  it('an API that is not there exits 6', async () => {
    const result = await run(['ls'], { env: { PYFAAS_URL: 'http://127.0.0.1:9', PYFAAS_TOKEN: 'x' } });
    expect(result.code).toBe(6);
    expect(result.stderr).toContain('pyfaas: UNREACHABLE: Cannot reach the API at http://127.0.0.1:9: ECONNREFUSED');
  });
});
