import { z } from 'zod';
import type { PolicyKind } from '../policies';
import { PolicyLimitReachedError, PolicyViolationError } from './errors';

const KIND = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * The trigger policy: which trigger kinds new triggers may be of (left out: every registered
 * kind, also one installed later) and how many triggers one function may have (left out: no
 * limit). Triggers that exist stay and keep firing; the policy applies to the next create
 * (and to an update that moves a trigger to another function).
 */
export const triggerPolicySchema = z.object({
  allowedKinds: z.array(z.string().regex(KIND, 'must be a trigger kind')).max(100).optional(),
  maxTriggersPerFunction: z.number().int().min(0).max(100_000).optional(),
}).strict();

export type TriggerPolicy = z.infer<typeof triggerPolicySchema>;

export const TRIGGER_POLICY: PolicyKind<TriggerPolicy> = { kind: 'trigger', topic: 'policies', schema: triggerPolicySchema };

/** Throws PolicyViolationError (400) when `kind` is not an allowed kind. */
export function checkTriggerKindAllowed(kind: string, policy: TriggerPolicy): void {
  if (!policy.allowedKinds || policy.allowedKinds.includes(kind)) return;
  throw new PolicyViolationError(`kind: ${JSON.stringify(kind)} is not allowed by the trigger policy; allowed: ${policy.allowedKinds.join(', ') || 'none'} (trigger.allowedKinds).`, {
    field: 'kind', policy: 'trigger.allowedKinds', limit: policy.allowedKinds, value: kind,
  });
}

/** Throws PolicyLimitReachedError (409) when the function already has `existing` triggers and the policy allows no more. */
export function checkTriggerCount(functionName: string, existing: number, policy: TriggerPolicy): void {
  const limit = policy.maxTriggersPerFunction;
  if (limit === undefined || existing < limit) return;
  throw new PolicyLimitReachedError(`function: ${JSON.stringify(functionName)} already has ${existing} triggers, the trigger policy's limit (trigger.maxTriggersPerFunction ${limit}).`, {
    field: 'function', policy: 'trigger.maxTriggersPerFunction', limit, value: existing,
  });
}
