import { ScheduleAlreadyRunning, ScheduleNotFoundError, ServiceError, type Client, type ScheduleDescription } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { InputError } from '../../../../common/errors';
import { scheduleRunInfo } from '../../../../modules/trigger/schedule/schedule-info';
import { parseScheduleConfig } from '../../../../modules/trigger/schedule/spec';
import {
  createSchedule,
  deleteSchedule,
  replaceSchedule,
  ScheduleExistsError,
  ScheduleRefusedError,
  scheduleOptions,
  type ScheduleTrigger,
} from '../../../../modules/trigger/schedule/temporal-schedule';
import { TRIGGER_KEY } from '../../../../contracts/search-attributes';
import { INVOKE_GENERATION } from '../../../../contracts/invocation';

function trigger(config: unknown, extra: Partial<ScheduleTrigger> = {}): ScheduleTrigger {
  const now = new Date();
  return {
    id: 'id-1', name: 'nightly', kind: 'schedule', functionName: 'report', config: parseScheduleConfig(config), paused: false,
    description: '', createdAt: now, updatedAt: now, ...extra,
  } as ScheduleTrigger;
}

/** A client whose schedule calls do what `behaviour` says, recording what they were given. */
function fakeClient(behaviour: { create?: () => Promise<unknown>; update?: () => Promise<unknown>; delete?: () => Promise<unknown> }) {
  const calls: Array<{ op: string; arg?: unknown }> = [];
  const client = {
    schedule: {
      create: async (options: unknown) => (calls.push({ op: 'create', arg: options }), behaviour.create?.()),
      getHandle: (id: string) => ({
        update: async (fn: (d: unknown) => unknown) => (calls.push({ op: 'update', arg: { id, options: fn({}) } }), behaviour.update?.()),
        delete: async () => (calls.push({ op: 'delete', arg: id }), behaviour.delete?.()),
      }),
    },
  } as unknown as Client;
  return { client, calls };
}

const invalidArgument = () => Object.assign(new Error('3 INVALID_ARGUMENT: bad'), { code: 3, details: 'unknown time zone Mars/Olympus', metadata: {} });

describe('scheduleOptions', () => {
  it('starts invokeFunction with the trigger label, the default event and no plan', () => {
    const options = scheduleOptions(trigger({ interval: '2s' }), 'tq');
    expect(options.scheduleId).toBe('pyfaas-trigger-nightly');
    expect(options.spec).toEqual({ intervals: [{ every: 2000 }], timezone: 'UTC' });
    expect(options.action).toMatchObject({ type: 'startWorkflow', workflowType: 'invokeFunction', taskQueue: 'tq', workflowId: 'schedule:nightly' });
    expect(options.action.args).toEqual([{ functionName: 'report', event: { source: 'pyfaas.schedule', trigger: 'nightly' }, mode: 'async', trigger: 'schedule:nightly', generation: INVOKE_GENERATION }]);
    expect((options.action.typedSearchAttributes as TypedSearchAttributes).get(TRIGGER_KEY)).toBe('schedule:nightly');
    expect(options.policies).toEqual({ overlap: 'SKIP' });
    expect(options.state).toEqual({ paused: false });
  });

  it('carries cron, timezone, jitter, catch-up window, overlap, a fixed event and the paused state', () => {
    const options = scheduleOptions(
      trigger({ cron: '0 9 * * mon-fri', timezone: 'Europe/Paris', jitter: '30s', catchupWindow: '1h', overlap: 'terminate_other', event: { fixed: true } }, { paused: true }),
      'tq',
    );
    expect(options.spec).toEqual({ cronExpressions: ['0 9 * * mon-fri'], jitter: 30_000, timezone: 'Europe/Paris' });
    expect(options.policies).toEqual({ overlap: 'TERMINATE_OTHER', catchupWindow: 3_600_000 });
    expect(options.state).toEqual({ paused: true, note: 'paused via PyFaaS' });
    expect((options.action.args as Array<{ event: unknown }>)[0]!.event).toEqual({ fixed: true });
  });
});

describe('schedule calls', () => {
  const options = scheduleOptions(trigger({ interval: '1m' }), 'tq');

  it('maps refusals to PyFaaS errors', async () => {
    await expect(createSchedule(fakeClient({ create: () => Promise.reject(new ScheduleAlreadyRunning('exists', 'pyfaas-trigger-nightly')) }).client, options)).rejects.toBeInstanceOf(ScheduleExistsError);
    const typeError = createSchedule(fakeClient({ create: () => Promise.reject(new TypeError('Minute is not in range [0-59]')) }).client, options);
    await expect(typeError).rejects.toThrow(new ScheduleRefusedError('Temporal refused the schedule: Minute is not in range [0-59].'));
    const serviceError = createSchedule(fakeClient({ create: () => Promise.reject(new ServiceError('Failed to create schedule', { cause: invalidArgument() })) }).client, options);
    await expect(serviceError).rejects.toThrow('Temporal refused the schedule: unknown time zone Mars/Olympus.');
    await expect(serviceError).rejects.toBeInstanceOf(InputError);
    const bare = Object.assign(new Error('3 INVALID_ARGUMENT: unknown time zone us/pacific'), { code: 3, details: '', metadata: {} });
    const bareError = createSchedule(fakeClient({ create: () => Promise.reject(new ServiceError('Failed to create schedule', { cause: bare })) }).client, options);
    await expect(bareError).rejects.toThrow('Temporal refused the schedule: unknown time zone us/pacific.');
    const unavailable = new ServiceError('Failed to create schedule', { cause: Object.assign(new Error('14 UNAVAILABLE'), { code: 14, details: 'down', metadata: {} }) });
    await expect(createSchedule(fakeClient({ create: () => Promise.reject(unavailable) }).client, options)).rejects.toBe(unavailable);
  });

  it('replaces spec, action, policies and state in one update, and recreates a schedule deleted in Temporal', async () => {
    const present = fakeClient({});
    expect(await replaceSchedule(present.client, options)).toBe('updated');
    expect(present.calls).toEqual([{ op: 'update', arg: { id: 'pyfaas-trigger-nightly', options: { spec: options.spec, action: options.action, policies: options.policies, state: { paused: false } } } }]);
    const gone = fakeClient({ update: () => Promise.reject(new ScheduleNotFoundError('schedule not found', 'pyfaas-trigger-nightly')) });
    expect(await replaceSchedule(gone.client, options)).toBe('recreated');
    expect(gone.calls.map((c) => c.op)).toEqual(['update', 'create']);
  });

  it('treats deleting a schedule that is already gone as done', async () => {
    expect(await deleteSchedule(fakeClient({}).client, 'x')).toBe(true);
    expect(await deleteSchedule(fakeClient({ delete: () => Promise.reject(new ScheduleNotFoundError('gone', 'x')) }).client, 'x')).toBe(false);
    await expect(deleteSchedule(fakeClient({ delete: () => Promise.reject(new Error('boom')) }).client, 'x')).rejects.toThrow('boom');
  });
});

describe('scheduleRunInfo', () => {
  it('shows next and recent runs with their invocation ids', () => {
    const at = (s: string) => new Date(s);
    const description = {
      scheduleId: 'pyfaas-trigger-nightly',
      state: { paused: true, note: 'paused via PyFaaS' },
      info: {
        nextActionTimes: [at('2030-01-01T00:00:00Z')],
        recentActions: [{ scheduledAt: at('2029-12-31T00:00:00Z'), takenAt: at('2029-12-31T00:00:01Z'), action: { type: 'startWorkflow', workflow: { workflowId: 'schedule:nightly-2029-12-31T00:00:00Z', firstExecutionRunId: 'r' } } }],
        runningActions: [{ type: 'startWorkflow', workflow: { workflowId: 'schedule:nightly-2029-12-31T00:00:00Z', firstExecutionRunId: 'r' } }],
        numActionsTaken: 3, numActionsSkippedOverlap: 1, numActionsMissedCatchupWindow: 0,
      },
    } as unknown as ScheduleDescription;
    expect(scheduleRunInfo(description)).toEqual({
      scheduleId: 'pyfaas-trigger-nightly', paused: true, note: 'paused via PyFaaS',
      nextRunTimes: ['2030-01-01T00:00:00.000Z'],
      recentRuns: [{ scheduledAt: '2029-12-31T00:00:00.000Z', startedAt: '2029-12-31T00:00:01.000Z', invocationId: 'schedule:nightly-2029-12-31T00:00:00Z' }],
      runningInvocationIds: ['schedule:nightly-2029-12-31T00:00:00Z'],
      runsTaken: 3, runsSkippedOverlap: 1, runsMissedCatchupWindow: 0,
    });
  });
});
