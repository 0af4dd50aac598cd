import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { processAlive } from '../../common/process-alive';
import { ManagedProcess } from '../../infra/services/managed-process';
import { RestartPolicy } from '../../infra/services/restart-policy';
import { SupervisedGroup, type ServiceSpec } from '../../infra/services/supervised-group';
import type { ServiceStatus } from '../../infra/services/supervised-status';
import { eventually } from '../support/http';

/** A service that is healthy as soon as it is spawned and runs `script` under sh. */
function shService(dir: string, name: string, script: string, starts: { count: number }): ServiceSpec {
  return {
    name,
    what: `starting ${name}`,
    async start() {
      starts.count += 1;
      return ManagedProcess.start({ name, command: 'sh', args: ['-c', script], logFile: path.join(dir, `${name}.log`), stopTimeoutMs: 2000 }, silent);
    },
  };
}

const silent = pino({ level: 'silent' });

function capturingLogger() {
  const lines: any[] = [];
  return { lines, logger: pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) }) };
}

describe('SupervisedGroup', () => {
  let dir: string;
  let group: SupervisedGroup | undefined;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'supervised-'));
  });
  afterEach(async () => {
    await group?.stop();
    group = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('restarts a killed service after its backoff, keeps the others running, and logs why', async () => {
    const { lines, logger } = capturingLogger();
    const seen: ServiceStatus[][] = [];
    const steady = { count: 0 };
    const flaky = { count: 0 };
    group = new SupervisedGroup(
      [shService(dir, 'steady', 'sleep 60', steady), shService(dir, 'flaky', 'echo flaky is up; exec sleep 60', flaky)],
      { logger, policy: () => new RestartPolicy({ initialDelayMs: 300 }), onChange: (statuses) => seen.push(statuses) },
    );
    await group.start();
    const steadyPid = group.process('steady')!.pid;
    const first = group.process('flaky')!;
    expect(await eventually(async () => first.logTail().includes('flaky is up'), 2000, 10)).toBe(true);
    await first.kill();

    expect(await eventually(async () => group!.statuses()[1].state === 'running' && group!.process('flaky') !== first, 5000, 20)).toBe(true);
    expect(flaky.count).toBe(2);
    expect(group.process('steady')!.pid).toBe(steadyPid);
    expect(steady.count).toBe(1);
    const [, status] = group.statuses();
    expect(status).toMatchObject({ name: 'flaky', state: 'running', restarts: 1, pid: group.process('flaky')!.pid, lastExit: { code: null, signal: 'SIGKILL' } });
    expect(status.lastExit!.reason).toBe(`was killed by SIGKILL (log: ${path.join(dir, 'flaky.log')})`);
    // While it waited out the backoff, the status said so.
    expect(seen.some((statuses) => statuses[1]?.state === 'restarting' && statuses[1].nextStartAt !== undefined && statuses[0].state === 'running')).toBe(true);

    const why = lines.find((line) => line.service === 'flaky' && line.attempt === 1);
    expect(why).toMatchObject({ level: 50, signal: 'SIGKILL', exitCode: null, attempt: 1, delayMs: 300 });
    expect(why.logTail).toContain('flaky is up');
    expect(why.msg).toContain('flaky was killed by SIGKILL');
    expect(why.msg).toContain('restarting it in 300 ms (attempt 1)');
  });

  it('gives up, naming the service, once it failed more often than its policy allows in the window', async () => {
    const { lines, logger } = capturingLogger();
    const steady = { count: 0 };
    const crashing = { count: 0 };
    group = new SupervisedGroup(
      [shService(dir, 'steady', 'sleep 60', steady), shService(dir, 'crasher', 'echo cannot open the thing >&2; sleep 0.1; exit 3', crashing)],
      { logger, policy: () => new RestartPolicy({ initialDelayMs: 20, maxRestarts: 3, windowMs: 30_000 }) },
    );
    await group.start();
    const steadyPid = group.process('steady')!.pid!;
    const gaveUp = await group.gaveUp;
    expect(gaveUp.service).toBe('crasher');
    expect(gaveUp.sentence).toBe(`crasher failed 4 times within 30 s (last: exited with code 3 (log: ${path.join(dir, 'crasher.log')}))`);
    expect(crashing.count).toBe(4);
    expect(group.statuses()[1]).toMatchObject({ state: 'failed', restarts: 3, lastExit: { code: 3, signal: null } });
    expect(lines.filter((line) => line.service === 'crasher' && line.level === 50 && line.attempt).map((line) => line.delayMs)).toEqual([20, 40, 80]);
    expect(lines.find((line) => line.failures === 4)).toMatchObject({ service: 'crasher', exitCode: 3, windowMs: 30_000 });
    expect(processAlive(steadyPid)).toBe(true);

    await group.stop();
    expect(processAlive(steadyPid)).toBe(false);
    expect(group.statuses().map((s) => s.state)).toEqual(['stopped', 'failed']);
  });

  it('counts a restart that does not come up as a failure and tries again', async () => {
    let calls = 0;
    const live = { count: 0 };
    const real = shService(dir, 'moody', 'exec sleep 60', live);
    group = new SupervisedGroup(
      [{ ...real, async start(signal) {
        calls += 1;
        if (calls === 2) throw new Error('moody exited during start-up (log: moody.log). Last lines:\nport taken');
        return real.start(signal);
      } }],
      { logger: silent, policy: () => new RestartPolicy({ initialDelayMs: 20 }) },
    );
    await group.start();
    await group.process('moody')!.kill();
    expect(await eventually(async () => group!.statuses()[0].state === 'running' && calls === 3, 5000, 20)).toBe(true);
    expect(group.statuses()[0]).toMatchObject({ restarts: 2, lastExit: { reason: 'did not come back: exited during start-up (log: moody.log)' } });
  });

  it('restarts nothing once stopping: a pending restart is cancelled and no process is left', async () => {
    const starts = { count: 0 };
    group = new SupervisedGroup([shService(dir, 'slow', 'exec sleep 60', starts)], { logger: silent, policy: () => new RestartPolicy({ initialDelayMs: 30_000 }) });
    await group.start();
    const pid = group.process('slow')!.pid!;
    await group.process('slow')!.kill();
    expect(await eventually(async () => group!.statuses()[0].state === 'restarting', 2000, 10)).toBe(true);
    const began = Date.now();
    await group.stop();
    expect(Date.now() - began).toBeLessThan(1000);
    expect(starts.count).toBe(1);
    expect(processAlive(pid)).toBe(false);
    expect(group.statuses()[0].state).toBe('stopped');
  });

  it('does not restart a service that dies while the group stops', async () => {
    const starts = { count: 0 };
    // Ignores SIGTERM a moment, then dies with code 1: a failure, but during the stop.
    group = new SupervisedGroup([shService(dir, 'stubborn', "trap 'sleep 0.3; exit 1' TERM; while :; do sleep 0.05; done", starts)], {
      logger: silent, policy: () => new RestartPolicy({ initialDelayMs: 10 }),
    });
    await group.start();
    await group.stop();
    await new Promise((r) => setTimeout(r, 200));
    expect(starts.count).toBe(1);
    expect(group.statuses()[0].state).toBe('stopped');
  });

  it('stops what started and rethrows when a first start fails, restarting nothing', async () => {
    const steady = { count: 0 };
    group = new SupervisedGroup(
      [shService(dir, 'steady', 'exec sleep 60', steady), { name: 'broken', what: 'starting broken', start: async () => { throw new Error('broken: no binary'); } }],
      { logger: silent, policy: () => new RestartPolicy({ initialDelayMs: 10 }) },
    );
    await expect(group.start()).rejects.toThrow('broken: no binary');
    expect(group.pids()).toEqual([]);
    expect(group.statuses().map((s) => s.state)).toEqual(['stopped', 'stopped']);
  });
});
