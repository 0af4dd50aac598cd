import {
  isGrpcServiceError,
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  ServiceError,
  type Client,
  type ScheduleOptions,
  type ScheduleOptionsStartWorkflowAction,
  type ScheduleSpec,
  type Workflow,
} from '@temporalio/client';
import { ConflictError, InputError } from '../../../common/errors';
import { INVOKE_WORKFLOW, invocationStart } from '../../task/invocation-start';
import { triggerLabel, type Trigger } from '../contract';
import { requiredDurationMs } from './duration';
import type { OverlapPolicy, ScheduleTriggerConfig } from './spec';

/** Temporal refused the schedule (a spec it cannot read): the API answers 400. */
export class ScheduleRefusedError extends InputError {
  override readonly code: string = 'SCHEDULE_REFUSED';
}

/** A Temporal Schedule with the trigger's id exists already, made outside this trigger. */
export class ScheduleExistsError extends ConflictError {
  override readonly code: string = 'SCHEDULE_EXISTS';
}

export const PAUSED_NOTE = 'paused via PyFaaS';

const GRPC_INVALID_ARGUMENT = 3;

const OVERLAP: Record<OverlapPolicy, ScheduleOverlapPolicy> = {
  skip: ScheduleOverlapPolicy.SKIP,
  buffer_one: ScheduleOverlapPolicy.BUFFER_ONE,
  buffer_all: ScheduleOverlapPolicy.BUFFER_ALL,
  cancel_other: ScheduleOverlapPolicy.CANCEL_OTHER,
  terminate_other: ScheduleOverlapPolicy.TERMINATE_OTHER,
  allow_all: ScheduleOverlapPolicy.ALLOW_ALL,
};

export type ScheduleTrigger = Trigger<ScheduleTriggerConfig>;

/** The Temporal Schedule that runs trigger `name`, as the Temporal UI lists it. */
export function scheduleIdOf(name: string): string {
  return `pyfaas-trigger-${name}`;
}

/** The event each run passes to the function: the fixed one, or one naming the trigger. */
export function scheduledEvent(trigger: ScheduleTrigger): unknown {
  return trigger.config.event !== undefined ? trigger.config.event : { source: 'pyfaas.schedule', trigger: trigger.name };
}

/**
 * Everything the Temporal Schedule of `trigger` holds. Each run starts `invokeFunction`
 * without a plan, so it runs whatever version is active when it fires; Temporal appends the
 * scheduled time to the workflow id (`schedule:<name>-<time>`), which is the invocation id.
 */
export function scheduleOptions(trigger: ScheduleTrigger, taskQueue: string): ScheduleOptions<ScheduleOptionsStartWorkflowAction<Workflow>> {
  const { config } = trigger;
  const spec: ScheduleSpec = {
    ...(config.cron !== undefined ? { cronExpressions: [config.cron] } : {}),
    ...(config.interval !== undefined ? { intervals: [{ every: requiredDurationMs(config.interval) }] } : {}),
    ...(config.jitter !== undefined ? { jitter: requiredDurationMs(config.jitter) } : {}),
    timezone: config.timezone,
  };
  const start = invocationStart({ functionName: trigger.functionName, event: scheduledEvent(trigger), mode: 'async', trigger: triggerLabel('schedule', trigger.name) });
  return {
    scheduleId: scheduleIdOf(trigger.name),
    spec,
    action: { type: 'startWorkflow', workflowType: INVOKE_WORKFLOW, taskQueue, workflowId: `schedule:${trigger.name}`, ...start },
    policies: {
      overlap: OVERLAP[config.overlap],
      ...(config.catchupWindow !== undefined ? { catchupWindow: requiredDurationMs(config.catchupWindow) } : {}),
    },
    state: { paused: trigger.paused, ...(trigger.paused ? { note: PAUSED_NOTE } : {}) },
    memo: { pyfaasTrigger: trigger.name, functionName: trigger.functionName },
  };
}

/** Creates the schedule. Throws ScheduleRefusedError or ScheduleExistsError. */
export async function createSchedule(client: Client, options: ScheduleOptions): Promise<void> {
  await refusals(() => client.schedule.create(options));
}

/**
 * Replaces the schedule's spec, action, policies and paused state in one update (Temporal
 * applies `state.paused` from it, so no separate pause call can half-succeed). Recreates the
 * schedule when someone deleted it in Temporal. Throws ScheduleRefusedError.
 */
export async function replaceSchedule(client: Client, options: ScheduleOptions): Promise<'updated' | 'recreated'> {
  const { scheduleId, spec, action, policies, state } = options;
  try {
    await refusals(() => client.schedule.getHandle(scheduleId).update(() => ({ spec, action, policies, state: { paused: state?.paused, note: state?.note } })));
    return 'updated';
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
  }
  await createSchedule(client, options);
  return 'recreated';
}

/** Deletes the schedule; false when there was none. */
export async function deleteSchedule(client: Client, scheduleId: string): Promise<boolean> {
  try {
    await client.schedule.getHandle(scheduleId).delete();
    return true;
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return false;
    throw err;
  }
}

/**
 * Turns Temporal's refusals into PyFaaS errors. The SDK reports an invalid spec as a
 * TypeError (its own checks and the server's "Invalid schedule spec") and other
 * INVALID_ARGUMENT answers as a ServiceError whose cause carries the gRPC code.
 */
async function refusals<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) {
      throw new ScheduleExistsError(`A Temporal Schedule named ${JSON.stringify(err.scheduleId)} already exists; delete it in Temporal or name the trigger differently.`);
    }
    if (err instanceof TypeError) throw new ScheduleRefusedError(`Temporal refused the schedule: ${sentence(err.message)}`);
    if (err instanceof ServiceError && isGrpcServiceError(err.cause) && err.cause.code === GRPC_INVALID_ARGUMENT) {
      throw new ScheduleRefusedError(`Temporal refused the schedule: ${sentence(err.cause.details || err.cause.message.replace(/^\d+ [A-Z_]+: /, ''))}`);
    }
    throw err;
  }
}

function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
