import { z } from 'zod';
import { InputError } from '../../../common/errors';
import type { ScalingPolicy } from '../../../contracts/scaling';
import type { PolicyKind } from '../policies';
import { PolicyViolationError } from './errors';

const ID = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * The scaling policy: the module and params a function created without `scaling` gets, and
 * (when listed) the only scaling modules functions may name. Functions keep the scaling they
 * have; the limit applies to the next create or update that names one.
 */
export const scalingPolicySchema = z.object({
  default: z.object({
    module: z.string().regex(ID, 'must be a scaling module id').default('kpa'),
    params: z.record(z.unknown()).default({}),
  }).strict().default({}),
  allowedModules: z.array(z.string().regex(ID, 'must be a scaling module id')).max(100).optional(),
}).strict().superRefine((policy, ctx) => {
  if (policy.allowedModules && !policy.allowedModules.includes(policy.default.module)) {
    ctx.addIssue({ code: 'custom', path: ['default', 'module'], message: `must be one of allowedModules (${policy.allowedModules.join(', ') || 'none'})` });
  }
});

export type ScalingPolicyDocument = z.infer<typeof scalingPolicySchema>;

/**
 * `validate`: the scaler's own check (modules/scaling/scalers.ts `validateScaling`: the
 * module exists, its parser and its manifest's configSchema accept the params), so a default
 * no function could use is refused before it is stored.
 */
export function scalingPolicy(validate: (scaling: ScalingPolicy, field: string) => void): PolicyKind<ScalingPolicyDocument> {
  return {
    kind: 'scaling',
    topic: 'policies',
    schema: scalingPolicySchema,
    check(policy) {
      try {
        validate(policy.default, 'default.params');
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        // The module names its fields `params.x` (or the schema `default.params.x`): every path is put under `default`.
        const given = (err.details?.issues as Array<{ path: string; message: string }> | undefined) ?? [{ path: 'module', message: err.message }];
        const issues = given.map((issue) => ({ ...issue, path: issue.path.startsWith('default.') ? issue.path : `default.${issue.path}` }));
        throw new InputError(`Invalid scaling policy: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}.`, { issues, cause: err.code });
      }
    },
  };
}

/** Throws PolicyViolationError when the policy lists allowed modules and `scaling.module` is not one. */
export function checkScalingAllowed(scaling: ScalingPolicy, policy: ScalingPolicyDocument): void {
  if (!policy.allowedModules || policy.allowedModules.includes(scaling.module)) return;
  throw new PolicyViolationError(`scaling.module: ${JSON.stringify(scaling.module)} is not allowed by the scaling policy; allowed: ${policy.allowedModules.join(', ') || 'none'} (scaling.allowedModules).`, {
    field: 'scaling.module', policy: 'scaling.allowedModules', limit: policy.allowedModules, value: scaling.module,
  });
}

/** The create request with the policy's default scaling when it names none. */
export function withScalingDefault(body: unknown, policy: ScalingPolicyDocument): unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return body;
  const request = body as Record<string, unknown>;
  return request.scaling === undefined ? { ...request, scaling: policy.default } : request;
}
