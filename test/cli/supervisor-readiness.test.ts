import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { removeServicesStatus, writeServicesStatus, type ServiceStatus } from '../../infra/services/supervised-status';
import { Readiness } from '../../process/readiness';
import { supervisedServicesChecks } from '../../process/supervised-services';

const running = (name: string, pid: number): ServiceStatus => ({ name, state: 'running', pid, restarts: 0, since: '2026-12-01T09:00:00.000Z' });

/** A pid that surely has no process: one that just exited. */
function deadPid(): number {
  return spawnSync('true').pid!;
}

describe('supervisedServicesChecks', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'supervised-readyz-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const write = (services: ServiceStatus[], supervisorPid = process.pid) =>
    writeServicesStatus(dataDir, { supervisorPid, updatedAt: new Date().toISOString(), services });

  it('adds nothing to a process run without a supervisor, or with a file a dead supervisor left', () => {
    expect(supervisedServicesChecks(dataDir)).toEqual({});
    write([running('kafka', 10)], deadPid());
    expect(supervisedServicesChecks(dataDir)).toEqual({});
  });

  it('reports every service with its restarts and last exit, ok while all run', async () => {
    const lastExit = { code: null, signal: 'SIGKILL', at: '2026-12-01T09:01:00.000Z', reason: 'was killed by SIGKILL (log: kafka.log)' };
    write([running('temporal', 10), { ...running('kafka', 12), restarts: 1, lastExit }, running('pyfaas', 14)]);
    const report = await new Readiness({ database: async () => undefined, ...supervisedServicesChecks(dataDir) }).report();
    expect(report.status).toBe('ok');
    expect(report.checks.database).toEqual({ status: 'ok', latencyMs: expect.any(Number) });
    expect(report.checks.services).toEqual({
      status: 'ok',
      latencyMs: expect.any(Number),
      detail: {
        temporal: { state: 'running', pid: 10, restarts: 0, since: '2026-12-01T09:00:00.000Z' },
        kafka: { state: 'running', pid: 12, restarts: 1, since: '2026-12-01T09:00:00.000Z', lastExit },
        pyfaas: { state: 'running', pid: 14, restarts: 0, since: '2026-12-01T09:00:00.000Z' },
      },
    });
  });

  it('fails while a service is down, naming it and when it starts again, and reads the file on every report', async () => {
    write([running('temporal', 10), running('kafka', 12)]);
    const readiness = new Readiness(supervisedServicesChecks(dataDir));
    expect((await readiness.report()).status).toBe('ok');

    const lastExit = { code: 137, signal: null, at: new Date().toISOString(), reason: 'exited with code 137 (log: kafka.log)' };
    write([running('temporal', 10), { name: 'kafka', state: 'restarting', restarts: 0, lastExit, nextStartAt: new Date(Date.now() + 2000).toISOString() }]);
    const report = await readiness.report();
    expect(report.status).toBe('failed');
    expect(report.checks.services.error).toMatch(/^kafka is restarting, next start in [12]\.\d s \(last exit: exited with code 137 \(log: kafka\.log\)\)$/);
    expect(report.checks.services.detail).toMatchObject({ kafka: { state: 'restarting', lastExit } });
  });

  it('fails when the supervisor is gone or its file was removed', async () => {
    write([running('kafka', 12)]);
    const readiness = new Readiness(supervisedServicesChecks(dataDir));
    const gone = deadPid();
    write([running('kafka', 12)], gone);
    expect((await readiness.report()).checks.services.error).toBe(`the supervisor (pid ${gone}) is not running; nothing restarts a service that dies`);
    removeServicesStatus(dataDir);
    expect((await readiness.report()).checks.services.error).toBe(`the supervisor's status file ${path.join(dataDir, 'run', 'services.json')} is gone`);
  });
});
