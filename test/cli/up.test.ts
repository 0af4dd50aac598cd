import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, isListening } from '../../infra/ports';
import { findExecutable } from '../../infra/command';
import { runCli, startCli } from '../support/cli';
import { dataDirWithCachedTools, stackPorts } from '../support/stack-dirs';
import { eventually } from '../support/http';
import { REPO_DATA_DIR } from '../support/services';

describe('pyfaas up', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('brings the stack to /readyz ok, prints the first admin token once, refuses a second stack, and stops everything on SIGTERM', async () => {
    const dataDir = dataDirWithCachedTools();
    dirs.push(dataDir);
    const ports = await stackPorts();
    const env = { ...ports, PYFAAS_DATA_DIR: dataDir };
    const up = startCli(['up'], env);
    try {
      const cameUp = await eventually(async () => up.output().includes('PyFaaS is up'), 90_000);
      if (!cameUp) throw new Error(`pyfaas up did not come up within 90 s; its output:\n${up.output()}`);
      expect(await eventually(async () => /admin token \(shown once/.test(up.output()), 10_000)).toBe(true);
      const [, file, token] = /admin token \(shown once; also in (\S+), mode 0600\): (pyf_[A-Za-z0-9_]+)/.exec(up.output())!;
      expect(file).toBe(path.join(dataDir, 'admin-token'));
      expect(readFileSync(file, 'utf8').trim()).toBe(token);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const anonymous = await fetch(`http://127.0.0.1:${ports.PYFAAS_API_PORT}/readyz`);
      expect(anonymous.status).toBe(200);
      expect((await anonymous.json()) as any).toEqual({ status: 'ok' });
      expect((await fetch(`http://127.0.0.1:${ports.PYFAAS_API_PORT}/v1/functions`)).status).toBe(401);
      const readyz = await fetch(`http://127.0.0.1:${ports.PYFAAS_API_PORT}/readyz`, { headers: { authorization: `Bearer ${token}` } });
      expect(readyz.status).toBe(200);
      expect(((await readyz.json()) as any).checks).toMatchObject({ temporal: { status: 'ok' }, kafka: { status: 'ok' }, database: { status: 'ok' } });
      expect((await fetch(`http://127.0.0.1:${ports.PYFAAS_TEMPORAL_UI_PORT}/`)).status).toBe(200);

      const second = await runCli(['up'], env);
      expect(second.code).toBe(1);
      expect(second.output).toContain(`PyFaaS is already running from ${dataDir}`);
    } finally {
      up.child.kill('SIGTERM');
    }
    const result = await up.exited;
    expect(result.code).toBe(0);
    for (const port of Object.values(ports)) expect(await isListening(Number(port))).toBe(false);
  });

  it('fails with one sentence naming a taken port, starting nothing', async () => {
    const dataDir = dataDirWithCachedTools();
    dirs.push(dataDir);
    const ports = await stackPorts();
    const blocker = require('node:net').createServer().listen(Number(ports.PYFAAS_KAFKA_PORT), '127.0.0.1');
    try {
      const result = await runCli(['up'], { ...ports, PYFAAS_DATA_DIR: dataDir });
      expect(result.code).toBe(1);
      expect(result.output).toContain(`pyfaas: Port ${ports.PYFAAS_KAFKA_PORT} (Kafka broker) is already in use; stop what listens there or set PYFAAS_KAFKA_PORT to another port.`);
      expect(await isListening(Number(ports.PYFAAS_TEMPORAL_PORT))).toBe(false);
    } finally {
      blocker.close();
    }
  });

  it('fails with one sentence on a malformed config value', async () => {
    const result = await runCli(['up'], { PYFAAS_KAFKA_PORT: 'ninety' });
    expect(result.code).toBe(1);
    expect(result.output.trim()).toBe('pyfaas: Invalid configuration: PYFAAS_KAFKA_PORT (stack.kafkaPort) expected number, received nan (got "ninety").');
  });
});

describe('pyfaas provision', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  /** A PATH holding only the named tools, so one can be missing on purpose. */
  function pathWith(tools: string[]): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'path-'));
    dirs.push(dir);
    for (const tool of tools) {
      const found = findExecutable(tool);
      if (found) symlinkSync(found, path.join(dir, tool));
    }
    return dir;
  }

  it('names the missing Go toolchain and how to get it', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'prov-'));
    dirs.push(dataDir);
    const result = await runCli(['provision'], { PYFAAS_DATA_DIR: dataDir, PATH: pathWith(['bwrap', 'slirp4netns', 'java', 'mvn', 'id']) });
    expect(result.code).toBe(1);
    expect(result.output).toContain('pyfaas: go is not installed or not on PATH: install Go');
  });

  it('names the missing Maven once the Temporal CLI is there', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'prov-'));
    dirs.push(dataDir);
    symlinkSync(path.join(REPO_DATA_DIR, 'bin'), path.join(dataDir, 'bin'));
    const result = await runCli(['provision'], { PYFAAS_DATA_DIR: dataDir, PATH: pathWith(['bwrap', 'slirp4netns', 'java', 'go']) });
    expect(result.code).toBe(1);
    expect(result.output).toContain('pyfaas: mvn is not installed or not on PATH: install Apache Maven');
  });

  it('says which registry did not answer when the Go module proxy is unreachable', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'prov-'));
    const modCache = mkdtempSync(path.join(os.tmpdir(), 'gomod-'));
    dirs.push(dataDir, modCache);
    mkdirSync(path.join(dataDir, 'bin'));
    const closedPort = await freePort();
    const result = await runCli(['provision'], {
      PYFAAS_DATA_DIR: dataDir,
      GOMODCACHE: modCache,
      GOPROXY: `http://127.0.0.1:${closedPort}`,
      GOFLAGS: '-modcacherw',
    });
    expect(result.code).toBe(1);
    expect(result.output).toContain('check that the Go module proxy (GOPROXY) answers');
  });
});
