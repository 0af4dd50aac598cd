import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { ServicesStatusFile } from '../../infra/services/supervised-status';
import { freePort, isListening } from '../../infra/ports';
import { startCli, type CliProcess } from '../support/cli';
import { dataDirWithCachedTools, stackPorts } from '../support/stack-dirs';
import { eventually } from '../support/http';
import { REPO_DATA_DIR } from '../support/services';

function statusOf(dataDir: string): ServicesStatusFile {
  return JSON.parse(readFileSync(path.join(dataDir, 'run', 'services.json'), 'utf8')) as ServicesStatusFile;
}

function pidsOf(dataDir: string): Record<string, number | undefined> {
  return Object.fromEntries(statusOf(dataDir).services.map((service) => [service.name, service.pid]));
}

/** The supervisor's JSON log lines (its output is not a terminal, so pino writes JSON). */
function logLines(up: CliProcess): any[] {
  return up.output().split('\n').flatMap((line) => {
    try {
      return line.startsWith('{') ? [JSON.parse(line)] : [];
    } catch {
      return [];
    }
  });
}

async function startUp(dirs: string[]) {
  const dataDir = dataDirWithCachedTools();
  dirs.push(dataDir);
  const ports = await stackPorts();
  const up = startCli(['up'], { ...ports, PYFAAS_DATA_DIR: dataDir });
  const cameUp = await eventually(async () => up.output().includes('PyFaaS is up'), 90_000);
  if (!cameUp) {
    up.child.kill('SIGTERM');
    throw new Error(`pyfaas up did not come up within 90 s; its output:\n${up.output()}`);
  }
  const api = `http://127.0.0.1:${ports.PYFAAS_API_PORT}`;
  const token = readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim();
  const readyz = async () => {
    const response = await fetch(`${api}/readyz`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(3000) });
    return { status: response.status, body: (await response.json()) as any };
  };
  /** Until /readyz is ok and the supervisor has recorded the service running again after its one restart. */
  const restarted = (service: string, timeoutMs: number) =>
    eventually(async () => {
      const { status, body } = await readyz();
      const detail = body.checks.services.detail[service];
      return status === 200 && detail.state === 'running' && detail.restarts === 1;
    }, timeoutMs);
  return { dataDir, ports, up, readyz, restarted };
}

describe('pyfaas up heals', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('restarts a SIGKILLed PyFaaS process, then Kafka, then Temporal, keeping the others running, and shows the restarts in /readyz', async () => {
    const { dataDir, ports, up, readyz, restarted } = await startUp(dirs);
    try {
      const before = pidsOf(dataDir);
      // `pyfaas up` inherits the suite's Temporal mode: server mode runs PostgreSQL first and the Web UI beside the server.
      const services = process.env.PYFAAS_TEMPORAL === 'server' ? ['postgres', 'temporal', 'temporal-ui', 'kafka', 'hub', 'pyfaas'] : ['temporal', 'kafka', 'hub', 'pyfaas'];
      expect(Object.keys(before)).toEqual(services);
      const first = await readyz();
      expect(first.status).toBe(200);
      expect(first.body.checks.services).toMatchObject({ status: 'ok', detail: { temporal: { state: 'running', restarts: 0 }, kafka: { state: 'running', restarts: 0 }, pyfaas: { state: 'running', restarts: 0 } } });

      process.kill(before.pyfaas!, 'SIGKILL');
      // The new process answers /readyz a moment before the supervisor records it as running.
      expect(await restarted('pyfaas', 20_000)).toBe(true);
      const afterPyfaas = pidsOf(dataDir);
      expect(afterPyfaas.temporal).toBe(before.temporal);
      expect(afterPyfaas.kafka).toBe(before.kafka);
      expect(afterPyfaas.pyfaas).not.toBe(before.pyfaas);
      expect((await readyz()).body.checks.services.detail.pyfaas).toMatchObject({ state: 'running', restarts: 1, lastExit: { code: null, signal: 'SIGKILL' } });
      expect(logLines(up).find((line) => line.service === 'pyfaas' && line.attempt === 1 && line.level === 50)).toMatchObject({ signal: 'SIGKILL', exitCode: null, delayMs: 1000 });

      process.kill(before.kafka!, 'SIGKILL');
      expect(await restarted('kafka', 30_000)).toBe(true);
      const { body } = await readyz();
      expect(body.checks).toMatchObject({ kafka: { status: 'ok' }, temporal: { status: 'ok' }, services: { status: 'ok' } });
      expect(body.checks.services.detail.kafka).toMatchObject({ state: 'running', restarts: 1, lastExit: { signal: 'SIGKILL', reason: expect.stringContaining('was killed by SIGKILL') } });
      const afterKafka = pidsOf(dataDir);
      expect(afterKafka.kafka).not.toBe(before.kafka);
      expect(afterKafka.temporal).toBe(before.temporal);
      const why = logLines(up).find((line) => line.service === 'kafka' && line.attempt === 1 && line.level === 50);
      expect(why).toMatchObject({ signal: 'SIGKILL', delayMs: 1000 });
      expect(typeof why.logTail).toBe('string');

      // Temporal comes back on the same port and state (SQLite file, or PostgreSQL): the namespace's history is kept.
      process.kill(before.temporal!, 'SIGKILL');
      expect(await restarted('temporal', 30_000)).toBe(true);
      expect(pidsOf(dataDir).kafka).toBe(afterKafka.kafka);
      expect(logLines(up).filter((line) => line.msg?.startsWith('temporal is running again'))).toHaveLength(1);
    } finally {
      up.child.kill('SIGTERM');
    }
    const result = await up.exited;
    expect(result.code).toBe(0);
    for (const port of Object.values(ports)) expect(await isListening(Number(port))).toBe(false);
    expect(existsSync(path.join(dataDir, 'run', 'services.json'))).toBe(false);
  }, 180_000);

  it('stops the stack and exits 1 with one sentence naming a service that keeps dying', async () => {
    const { dataDir, ports, up } = await startUp(dirs);
    let blocker: Server | undefined;
    try {
      // Kill PyFaaS and take its API port, so every restart dies at start-up.
      const pyfaasPid = pidsOf(dataDir).pyfaas!;
      process.kill(pyfaasPid, 'SIGKILL');
      const took = await eventually(async () => {
        const server = createServer();
        const listening = await new Promise<boolean>((resolve) => {
          server.once('error', () => resolve(false));
          server.listen(Number(ports.PYFAAS_API_PORT), '127.0.0.1', () => resolve(true));
        });
        if (listening) blocker = server;
        return listening;
      }, 5000, 20);
      expect(took).toBe(true);
      const result = await Promise.race([up.exited, new Promise<null>((resolve) => setTimeout(() => resolve(null), 150_000))]);
      if (!result) throw new Error(`pyfaas up did not give up within 150 s; its output:\n${up.output()}`);
      expect(result!.code).toBe(1);
      const log = path.join(dataDir, 'stack', 'logs', 'pyfaas.log');
      expect(result!.output.trim().split('\n').pop()).toBe(
        `pyfaas: pyfaas failed 6 times within 60 s (last: did not come back: exited during start-up (log: ${log})); stopped the stack.`,
      );
      const delays = logLines(up).filter((line) => line.service === 'pyfaas' && line.level === 50 && line.attempt).map((line) => line.delayMs);
      expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000]);
      for (const [name, port] of Object.entries(ports)) if (name !== 'PYFAAS_API_PORT') expect(await isListening(Number(port))).toBe(false);
      expect(existsSync(path.join(dataDir, 'run', 'up.json'))).toBe(false);
    } finally {
      if (up.child.exitCode === null) up.child.kill('SIGTERM');
      blocker?.close();
    }
  }, 240_000);
});
