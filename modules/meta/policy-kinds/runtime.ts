import { z } from 'zod';
import { InputError } from '../../../common/errors';
import type { PolicyKind } from '../policies';
import { RuntimeDisabledError } from './errors';

const ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * The runtime policy: which runtimes new functions and new versions may name. Left out,
 * every registered runtime is enabled (also one installed from the hub later). Disabling a
 * runtime refuses creates and updates that name it; functions already on it keep running.
 */
export const runtimePolicySchema = z.object({
  enabled: z.array(z.string().regex(ID, 'must be a runtime id')).max(100).optional(),
}).strict();

export type RuntimePolicy = z.infer<typeof runtimePolicySchema>;

/** `runtimeIds`: the runtimes registered now; a policy may only enable those (typos are refused). */
export function runtimePolicy(runtimeIds: () => string[]): PolicyKind<RuntimePolicy> {
  return {
    kind: 'runtime',
    topic: 'policies',
    schema: runtimePolicySchema,
    check(policy) {
      const known = runtimeIds();
      const unknown = (policy.enabled ?? []).filter((id) => !known.includes(id));
      if (unknown.length > 0) {
        throw new InputError(`Invalid runtime policy: enabled: no runtime ${unknown.map((id) => JSON.stringify(id)).join(', ')}; registered: ${known.join(', ')}.`, {
          issues: [{ path: 'enabled', message: `unknown runtime ${unknown.join(', ')}` }],
        });
      }
    },
  };
}

/** Throws RuntimeDisabledError when the policy lists the runtimes it enables and `runtime` is not one. */
export function checkRuntimeEnabled(runtime: string, policy: RuntimePolicy): void {
  if (!policy.enabled || policy.enabled.includes(runtime)) return;
  throw new RuntimeDisabledError(`Runtime ${JSON.stringify(runtime)} is disabled by the runtime policy; enabled: ${policy.enabled.join(', ') || 'none'}.`, {
    field: 'runtime', policy: 'runtime.enabled', limit: policy.enabled, value: runtime,
  });
}
