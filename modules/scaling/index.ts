import { z } from 'zod';
import { defineBuiltinModule } from '../package';
import type { ScalingPolicy, ScalingState } from '../../contracts/scaling';
import type { ScalingModule } from './contract';
import { fixed, type FixedParams } from './fixed';
import { kpa, type KpaParams, type KpaState } from './kpa';
import { parseInput } from '../../common/validation';
import fixedDeclaration from './fixed.module.json';
import kpaDeclaration from './kpa.module.json';

export * from './contract';
export { distribute, type NodePlacement } from './distribute';
export { kpa, type KpaParams, type KpaState } from './kpa';
export { fixed, type FixedParams } from './fixed';

/** The policy of a function that names none: the default KPA module with its defaults. */
export const DEFAULT_SCALING_POLICY: ScalingPolicy = Object.freeze({ module: 'kpa', params: Object.freeze({}) }) as ScalingPolicy;

const scalingPolicySchema = z
  .object({
    module: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a scaling module id: a lowercase DNS label').default('kpa'),
    params: z.record(z.unknown()).default({}),
  })
  .strict();

/**
 * Validates a function's scaling policy (absent means DEFAULT_SCALING_POLICY); throws InputError
 * listing every bad field (`module`, `params`). The params themselves are checked by the named
 * module's `parseParams` once the registry has found it.
 */
export function parseScalingPolicy(policy: unknown): ScalingPolicy {
  if (policy === undefined) return { module: DEFAULT_SCALING_POLICY.module, params: {} };
  return parseInput(scalingPolicySchema, policy, 'scaling policy');
}

/** `kpa`: concurrency-based autoscaling with stable and panic windows and scale to zero (the default). */
export const kpaScaling = defineBuiltinModule<ScalingModule<KpaParams, KpaState>>(kpaDeclaration, () => kpa);

/** `fixed`: always the configured number of warm instances. */
export const fixedScaling = defineBuiltinModule<ScalingModule<FixedParams, ScalingState>>(fixedDeclaration, () => fixed);
