/** `fixed`: always the same number of warm instances, whatever the load (e.g. 0 to switch a function off). */
import { z } from 'zod';
import type { ScalingState } from '../../contracts/scaling';
import { MAX_INSTANCES, type ScalingModule } from './contract';
import { parseInput } from '../../common/validation';

const fixedParamsSchema = z.object({ instances: z.number().int().min(0).max(MAX_INSTANCES) }).strict();

export type FixedParams = z.output<typeof fixedParamsSchema>;

export const fixed: ScalingModule<FixedParams, ScalingState> = {
  id: 'fixed',
  parseParams: (params) => parseInput(fixedParamsSchema, params ?? {}, 'fixed scaling params', 'params'),
  historyMs: () => 0,
  decide: ({ params }) => ({ desired: params.instances, mode: 'fixed', reason: `fixed at ${params.instances}`, state: { desired: params.instances } }),
};
