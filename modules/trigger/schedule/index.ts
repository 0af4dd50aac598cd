import { defineBuiltinModule } from '../../package';
import type { TriggerKind, TriggerKindFactory } from '../contract';
import { parseScheduleConfig, type ScheduleTriggerConfig } from './spec';
import { describeScheduleTrigger } from './schedule-info';
import { createSchedule, deleteSchedule, replaceSchedule, scheduleIdOf, scheduleOptions } from './temporal-schedule';
import declaration from './schedule.module.json';

export type { ScheduleTriggerConfig } from './spec';
export { parseScheduleConfig } from './spec';
export { scheduleIdOf, scheduleOptions, ScheduleExistsError, ScheduleRefusedError } from './temporal-schedule';
export { describeScheduleTrigger, scheduleRunInfo, type ScheduleRunInfo } from './schedule-info';

const create: TriggerKindFactory<ScheduleTriggerConfig> = ({ client, taskQueue, logger }): TriggerKind<ScheduleTriggerConfig> => ({
  kind: 'schedule',
  parseConfig: parseScheduleConfig,
  /** Throws ScheduleRefusedError (400) when Temporal cannot read the spec, ScheduleExistsError (409) on create. */
  async apply(trigger, previous) {
    const options = scheduleOptions(trigger, taskQueue);
    if (!previous) {
      await createSchedule(client, options);
      return;
    }
    if ((await replaceSchedule(client, options)) === 'recreated') {
      logger.warn({ trigger: trigger.name, scheduleId: options.scheduleId }, 'the Temporal Schedule of a trigger was missing; created it again');
    }
  },
  async describe(trigger) {
    return { schedule: await describeScheduleTrigger(client, trigger.name) };
  },
  async remove(trigger) {
    if (!(await deleteSchedule(client, scheduleIdOf(trigger.name)))) {
      logger.info({ trigger: trigger.name }, 'the Temporal Schedule of a deleted trigger was already gone');
    }
  },
});

/**
 * `schedule`: a cron expression or an interval, as a Temporal Schedule (listed in the Temporal
 * UI, fired by the Temporal server, not by a timer in a PyFaaS process). Each run is one async
 * invocation with trigger `schedule:<name>` running the function's active version.
 */
export const scheduleTrigger = defineBuiltinModule<TriggerKindFactory<ScheduleTriggerConfig>>(declaration, () => create);
