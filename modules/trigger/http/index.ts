// SKELETON — the HTTP trigger helper replaces this file.
import { InputError } from '../../../common/errors';
import { defineModule } from '../../model';
import type { TriggerKindFactory } from '../contract';

export interface HttpTriggerConfig {
  method: string;
  path: string;
  auth: 'public' | 'api-key';
  mode: 'sync' | 'async';
}

export const httpTrigger = defineModule<TriggerKindFactory<HttpTriggerConfig>>(
  { id: 'http', kind: 'trigger', version: '0.1.0', platform: '^0.1.0', description: 'HTTP routes under /t to invocations' },
  () => () => ({
    kind: 'http',
    parseConfig() {
      throw new InputError('not built yet');
    },
  }),
);
