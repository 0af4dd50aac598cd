import type { z } from 'zod';
import { parseInput } from '../../../common/validation';
import { defineBuiltinModule } from '../../package';
import type { Trigger, TriggerKind, TriggerKindFactory } from '../contract';
import type { KafkaTriggerSpec } from './contract';
import { exactlyOneTopic, groupIdOf, kafkaConfigSchema } from './trigger-spec';
import declaration from './kafka.module.json';

export type KafkaTriggerConfig = z.output<typeof kafkaConfigSchema>;

const configSchema = kafkaConfigSchema.refine(...exactlyOneTopic);

/** The bridge's view of a stored Kafka trigger. */
export function kafkaSpecOf(trigger: Trigger<KafkaTriggerConfig>): KafkaTriggerSpec {
  return { id: trigger.name, ...trigger.config, paused: trigger.paused, functionName: trigger.functionName };
}

const kind: TriggerKind<KafkaTriggerConfig> = {
  kind: 'kafka',
  parseConfig: (config) => parseInput(configSchema, config, 'Kafka trigger', 'config'),
  conflict(candidate, existing) {
    const group = groupIdOf({ id: candidate.name, groupId: candidate.config.groupId });
    if (group === groupIdOf({ id: existing.name, groupId: existing.config.groupId })) return `both would consume as the group ${JSON.stringify(group)}`;
    return undefined;
  },
};

/**
 * `kafka`: each record of a topic (or of every topic a pattern matches) becomes one async
 * invocation, started by the bridge process role exactly once (modules/trigger/kafka/bridge.ts).
 * Nothing outside the meta store to apply: the bridge reads the triggers every few seconds.
 */
export const kafkaTrigger = defineBuiltinModule<TriggerKindFactory<KafkaTriggerConfig>>(declaration, () => () => kind);
