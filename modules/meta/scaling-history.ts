import { EntitySchema } from '@mikro-orm/core';
import type { ScalingPolicy, ScalingRecord } from '../../contracts/scaling';
import type { MetaStore } from './store';

/**
 * A sleeping function's last scaling decisions. The scaler shard holds decisions only while a
 * function is awake (its workflow state would otherwise grow with every function ever
 * deployed); when a function falls asleep they are written here, once, so the API still shows
 * them and the next wake-up carries them on.
 */
export interface ScalingHistoryRecord {
  functionName: string;
  policy?: ScalingPolicy;
  decisions: ScalingRecord[];
  sleptAt: Date;
}

// No runtime import from ./entities: entities.ts lists this schema in ALL_ENTITIES.
export const ScalingHistorySchema = new EntitySchema<ScalingHistoryRecord>({
  name: 'ScalingHistoryRecord',
  tableName: 'scaling_histories',
  properties: {
    functionName: { type: 'string', primary: true, length: 63 },
    policy: { type: 'json', nullable: true },
    decisions: { type: 'json' },
    sleptAt: { type: 'datetime' },
  },
});

/** Where sleeping functions' decisions wait for the next wake-up (one row per function). */
export class ScalingHistory {
  constructor(private readonly store: MetaStore) {}

  /** One statement for all of them (a shard can put hundreds to sleep, or store them all before continue-as-new). */
  async keep(entries: Array<{ functionName: string; policy?: ScalingPolicy; decisions: ScalingRecord[] }>): Promise<void> {
    if (entries.length === 0) return;
    const sleptAt = new Date();
    await this.store.em().upsertMany(ScalingHistorySchema, entries.map((entry) => ({ ...entry, sleptAt })));
  }

  /** Undefined when the function never slept (or was deleted since). */
  async get(functionName: string): Promise<ScalingHistoryRecord | undefined> {
    return (await this.store.em().findOne(ScalingHistorySchema, { functionName })) ?? undefined;
  }

  async remove(functionName: string): Promise<void> {
    await this.store.em().nativeDelete(ScalingHistorySchema, { functionName });
  }
}
