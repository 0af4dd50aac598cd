// SKELETON — the schedule trigger helper replaces this file.
import { InputError } from '../../../common/errors';
import { defineModule } from '../../model';
import type { TriggerKindFactory } from '../contract';

export const scheduleTrigger = defineModule<TriggerKindFactory>(
  { id: 'schedule', kind: 'trigger', version: '0.1.0', platform: '^0.1.0', description: 'Temporal Schedules to invocations' },
  () => () => ({
    kind: 'schedule',
    parseConfig() {
      throw new InputError('not built yet');
    },
  }),
);
