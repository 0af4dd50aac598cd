import { ScheduleNotFoundError, type Client, type ScheduleDescription } from '@temporalio/client';
import { scheduleIdOf } from './temporal-schedule';

/** What Temporal says about a schedule trigger's runs: for a trigger's GET view or the CLI. */
export interface ScheduleRunInfo {
  scheduleId: string;
  paused: boolean;
  note?: string;
  /** The next times it will fire (ISO 8601), soonest first; empty while paused. */
  nextRunTimes: string[];
  /** The latest runs, oldest first; `invocationId` is the id GET /v1/invocations/:id takes. */
  recentRuns: Array<{ scheduledAt: string; startedAt: string; invocationId: string }>;
  /** Invocations it started that are still running. */
  runningInvocationIds: string[];
  runsTaken: number;
  /** Runs skipped because one was still running (overlap `skip`). */
  runsSkippedOverlap: number;
  /** Runs missed because Temporal was down longer than the catch-up window. */
  runsMissedCatchupWindow: number;
}

/** The PyFaaS view of a Temporal schedule description. */
export function scheduleRunInfo(description: ScheduleDescription): ScheduleRunInfo {
  const { state, info } = description;
  return {
    scheduleId: description.scheduleId,
    paused: state.paused,
    ...(state.note ? { note: state.note } : {}),
    nextRunTimes: info.nextActionTimes.map((time) => time.toISOString()),
    recentRuns: info.recentActions.map((run) => ({
      scheduledAt: run.scheduledAt.toISOString(),
      startedAt: run.takenAt.toISOString(),
      invocationId: run.action.workflow.workflowId,
    })),
    runningInvocationIds: info.runningActions.map((run) => run.workflow.workflowId),
    runsTaken: info.numActionsTaken,
    runsSkippedOverlap: info.numActionsSkippedOverlap,
    runsMissedCatchupWindow: info.numActionsMissedCatchupWindow,
  };
}

/** Describes trigger `name`'s schedule; undefined when Temporal has none. */
export async function describeScheduleTrigger(client: Client, name: string): Promise<ScheduleRunInfo | undefined> {
  try {
    return scheduleRunInfo(await client.schedule.getHandle(scheduleIdOf(name)).describe());
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return undefined;
    throw err;
  }
}
