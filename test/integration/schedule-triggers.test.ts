import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ScheduleNotFoundError, type ScheduleDescription } from '@temporalio/client';
import { parseScheduleConfig } from '../../modules/trigger/schedule/spec';
import { createSchedule, deleteSchedule, scheduleIdOf, scheduleOptions, type ScheduleTrigger } from '../../modules/trigger/schedule/temporal-schedule';
import { functionName, startTestPyFaaS, type TestPyFaaS } from '../support/pyfaas';
import { testServices } from '../support/services';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns something other than undefined. */
async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(250);
  }
}

describe('schedule triggers on the real Temporal server', () => {
  let pyfaas: TestPyFaaS;
  const fn = functionName('sched');
  const describeSchedule = (name: string): Promise<ScheduleDescription> => pyfaas.running.client.schedule.getHandle(scheduleIdOf(name)).describe();
  const deploy = async (name: string) => {
    const response = await pyfaas.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code: { inline: 'def handler(event, context):\n    return event\n' } });
    expect(response.status).toBe(201);
  };
  const expectNothingStored = async (name: string) => {
    expect((await pyfaas.request('GET', `/v1/triggers/${name}`)).status).toBe(404);
    await expect(describeSchedule(name)).rejects.toBeInstanceOf(ScheduleNotFoundError);
  };

  beforeAll(async () => {
    pyfaas = await startTestPyFaaS({ database: 'sqlite' });
    await deploy(fn);
  });
  afterAll(() => pyfaas.close());

  it('fires on the server, shows in `temporal schedule list`, pauses, resumes, changes spec and is deleted', async () => {
    const name = functionName('tick');
    const label = `schedule:${name}`;
    const created = await pyfaas.request('POST', '/v1/triggers', { name, kind: 'schedule', function: fn, config: { interval: '1s' } });
    expect(created.status).toBe(201);
    expect(created.body.trigger).toMatchObject({ name, kind: 'schedule', function: fn, paused: false, config: { interval: '1s', timezone: 'UTC', overlap: 'skip' } });

    // A run succeeded, listed under the function with the trigger's label, with the default event.
    const ran = await eventually(async () => {
      const { body } = await pyfaas.request('GET', `/v1/invocations?function=${fn}`);
      return body.items.find((item: any) => item.trigger === label && item.status === 'succeeded');
    }, 'a scheduled invocation to succeed');
    expect(ran.invocationId).toMatch(new RegExp(`^schedule:${name}-`));
    const detail = await pyfaas.request('GET', `/v1/invocations/${encodeURIComponent(ran.invocationId)}`);
    expect(detail.body).toMatchObject({ status: 'succeeded', mode: 'async', trigger: label, version: 1, result: { source: 'pyfaas.schedule', trigger: name } });

    // A second client sees it: the Temporal CLI, as the Temporal UI's schedule list does.
    const cli = [testServices().temporalCli, ['schedule', 'list', '--address', testServices().temporalAddress, '-o', 'json']] as const;
    const listed = await eventually(async () => {
      const { stdout } = await run(cli[0], [...cli[1]]);
      return (JSON.parse(stdout || '[]') as Array<{ scheduleId: string; info?: { workflowType?: { name?: string } } }>).find((s) => s.scheduleId === scheduleIdOf(name));
    }, 'the CLI to list the schedule');
    expect(listed.info?.workflowType?.name).toBe('invokeFunction');

    // Paused: Temporal says so, and at most one run that was already due starts afterwards.
    expect((await pyfaas.request('PATCH', `/v1/triggers/${name}`, { paused: true })).body.paused).toBe(true);
    const paused = await eventually(async () => {
      const now = await describeSchedule(name);
      return now.state.paused ? now : undefined;
    }, 'the schedule to pause');
    expect(paused.state.note).toBe('paused via PyFaaS');
    await sleep(3_000);
    const whilePaused = await describeSchedule(name);
    expect(whilePaused.info.numActionsTaken - paused.info.numActionsTaken).toBeLessThanOrEqual(1);

    // Resumed: it fires again.
    expect((await pyfaas.request('PATCH', `/v1/triggers/${name}`, { paused: false })).body.paused).toBe(false);
    await eventually(async () => {
      const now = await describeSchedule(name);
      return !now.state.paused && now.info.numActionsTaken > whilePaused.info.numActionsTaken ? true : undefined;
    }, 'the schedule to fire again after resuming');

    // A new config replaces spec, policies and event in place.
    const patched = await pyfaas.request('PATCH', `/v1/triggers/${name}`, { config: { cron: '*/5 * * * *', timezone: 'europe/paris', overlap: 'buffer_one', event: { fixed: 'yes' } } });
    expect(patched.status).toBe(200);
    expect(patched.body.config).toEqual({ cron: '*/5 * * * *', timezone: 'Europe/Paris', overlap: 'buffer_one', event: { fixed: 'yes' } });
    const changed = await describeSchedule(name);
    expect(changed.spec.intervals).toEqual([]);
    expect(changed.spec.calendars?.[0]?.minute).toEqual([{ start: 0, end: 59, step: 5 }]);
    expect(changed.spec.timezone).toBe('Europe/Paris');
    expect(changed.policies.overlap).toBe('BUFFER_ONE');
    expect((changed.action.args as Array<{ event: unknown }>)[0]!.event).toEqual({ fixed: 'yes' });
    expect(changed.info.nextActionTimes.length).toBeGreaterThan(0);
    for (const time of changed.info.nextActionTimes) expect(time.getUTCMinutes() % 5 === 0 && time.getUTCSeconds() === 0).toBe(true);
    // The trigger's GET view shows what Temporal says: the next runs and the runs taken.
    const shown = (await pyfaas.request('GET', `/v1/triggers/${name}`)).body;
    expect(shown.schedule).toMatchObject({ scheduleId: scheduleIdOf(name), paused: false });
    expect(shown.schedule.nextRunTimes[0]).toBe(changed.info.nextActionTimes[0].toISOString());
    expect(shown.schedule.runsTaken).toBeGreaterThanOrEqual(whilePaused.info.numActionsTaken);

    expect((await pyfaas.request('DELETE', `/v1/triggers/${name}`)).status).toBe(204);
    await expectNothingStored(name);
  });

  it('refuses bad input with 400 or 404 and stores nothing, in PyFaaS or in Temporal', async () => {
    const post = (name: string, config: object, fnName = fn) => pyfaas.request('POST', '/v1/triggers', { name, kind: 'schedule', function: fnName, config });
    const cases: Array<[object, number, string, RegExp]> = [
      [{ cron: '61 * * * *' }, 400, 'INVALID_INPUT', /config.cron: invalid cron expression: minute "61"/],
      [{ cron: '@daily', timezone: 'Mars/Olympus' }, 400, 'INVALID_INPUT', /config.timezone: unknown time zone "Mars\/Olympus"/],
      [{ cron: '@daily', interval: '1m' }, 400, 'INVALID_INPUT', /config: give exactly one of cron and interval/],
      [{ interval: '500ms' }, 400, 'INVALID_INPUT', /config.interval: must be at least 1 s/],
      // Known to Intl under another spelling, refused by the server's tz database: Temporal's refusal, rolled back.
      [{ cron: '@daily', timezone: 'us/pacific' }, 400, 'SCHEDULE_REFUSED', /Temporal refused the schedule: .*us\/pacific/],
    ];
    for (const [config, status, code, message] of cases) {
      const name = functionName('bad');
      const response = await post(name, config);
      expect({ config, status: response.status, code: response.body.error.code }).toEqual({ config, status, code });
      expect(response.body.error.message).toMatch(message);
      await expectNothingStored(name);
    }
    const orphan = functionName('bad');
    const missing = await post(orphan, { interval: '1m' }, functionName('nofn'));
    expect(missing.status).toBe(404);
    await expectNothingStored(orphan);

    // A refused change leaves both the stored trigger and its schedule as they were.
    const name = functionName('keep');
    expect((await post(name, { cron: '0 3 * * *' })).status).toBe(201);
    for (const config of [{ cron: '0 3 * * * *' }, { cron: '@daily', timezone: 'us/pacific' }]) {
      expect((await pyfaas.request('PATCH', `/v1/triggers/${name}`, { config, paused: true })).status).toBe(400);
    }
    expect((await pyfaas.request('GET', `/v1/triggers/${name}`)).body).toMatchObject({ paused: false, config: { cron: '0 3 * * *', timezone: 'UTC' } });
    const kept = await describeSchedule(name);
    expect(kept.state.paused).toBe(false);
    expect(kept.spec.calendars?.[0]?.hour).toEqual([{ start: 3, end: 3, step: 1 }]);
    expect((await pyfaas.request('DELETE', `/v1/triggers/${name}`)).status).toBe(204);
  });

  it('deletes the schedule with its function', async () => {
    const doomed = functionName('doomed');
    await deploy(doomed);
    const name = functionName('nightly');
    expect((await pyfaas.request('POST', '/v1/triggers', { name, kind: 'schedule', function: doomed, config: { cron: '@daily' } })).status).toBe(201);
    await describeSchedule(name);
    expect((await pyfaas.request('DELETE', `/v1/functions/${doomed}`)).status).toBe(204);
    await expectNothingStored(name);
  });

  it('runs every cron form the validator accepts as Temporal reads it', async () => {
    const client = pyfaas.running.client;
    const expressions = ['*/5 * * * *', '0 9 * JAN-MAR mon-fri', '15,45 0-6/2 1,15 * *', '5/15 * * * *', '0 0 * * 7', '0 0 31 dec sun', '@hourly', '@annually'];
    const calendars = new Map<string, unknown>();
    for (const cron of expressions) {
      const now = new Date();
      const trigger = { id: 'x', name: functionName('cron'), kind: 'schedule', functionName: fn, config: parseScheduleConfig({ cron }), paused: true, description: '', createdAt: now, updatedAt: now } as ScheduleTrigger;
      const options = scheduleOptions(trigger, 'nowhere');
      await createSchedule(client, options);
      try {
        calendars.set(cron, (await client.schedule.getHandle(options.scheduleId).describe()).spec.calendars?.[0]);
      } finally {
        await deleteSchedule(client, options.scheduleId);
      }
    }
    expect(calendars.get('0 9 * JAN-MAR mon-fri')).toMatchObject({ hour: [{ start: 9, end: 9, step: 1 }], month: [{ start: 'JANUARY', end: 'MARCH', step: 1 }], dayOfWeek: [{ start: 'MONDAY', end: 'FRIDAY', step: 1 }] });
    expect(calendars.get('15,45 0-6/2 1,15 * *')).toMatchObject({ minute: [{ start: 15, end: 15, step: 1 }, { start: 45, end: 45, step: 1 }], hour: [{ start: 0, end: 6, step: 2 }] });
    expect(calendars.get('5/15 * * * *')).toMatchObject({ minute: [{ start: 5, end: 59, step: 15 }] });
    expect(calendars.get('0 0 * * 7')).toMatchObject({ dayOfWeek: [{ start: 'SUNDAY', end: 'SUNDAY', step: 1 }] });
    expect(calendars.get('@annually')).toMatchObject({ dayOfMonth: [{ start: 1, end: 1, step: 1 }], month: [{ start: 'JANUARY', end: 'JANUARY', step: 1 }] });
  });
});
