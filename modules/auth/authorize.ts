import { UnauthenticatedError } from '../../common/errors';
import type { Principal } from './contract';
import { FunctionScopeError, PermissionDeniedError } from './errors';
import type { Permission } from './permissions';
import { describeScope, inScope, scopeNeedsLabels } from './scope';

/** What a route acts on, when it acts on one function. */
export interface FunctionTarget {
  name: string;
  /** The function's labels when the caller already has them (a create body); else looked up. */
  labels?: Record<string, string>;
}

/** Reads a function's labels; undefined when there is no such function. */
export type LabelLookup = (functionName: string) => Promise<Record<string, string> | undefined>;

/**
 * The one place that decides whether a principal may do something (`permission` undefined:
 * any valid principal may). Throws
 * UnauthenticatedError (no principal), PermissionDeniedError (403 naming the permission) or
 * FunctionScopeError (403: the principal is scoped to other functions).
 */
export async function authorize(principal: Principal | undefined, permission: Permission | undefined, target: FunctionTarget | undefined, labelsOf: LabelLookup): Promise<Principal> {
  if (!principal) throw new UnauthenticatedError('This route needs a token: send Authorization: Bearer <token>.');
  if (permission !== undefined && !principal.permissions.has(permission)) {
    throw new PermissionDeniedError(`This ${principal.role} credential lacks the permission ${permission}.`, { permission });
  }
  if (target) await authorizeFunction(principal, target, labelsOf);
  return principal;
}

/** Throws FunctionScopeError when the principal is scoped and the function is outside its scope. */
export async function authorizeFunction(principal: Principal, target: FunctionTarget, labelsOf: LabelLookup): Promise<void> {
  const scope = principal.functions;
  if (!scope) return;
  const labels = target.labels ?? (scopeNeedsLabels(scope) ? await labelsOf(target.name) : undefined);
  if (!inScope(scope, target.name, labels)) {
    throw new FunctionScopeError(`This credential is scoped to ${describeScope(scope)}; function ${JSON.stringify(target.name)} is outside it.`, { function: target.name });
  }
}

/** A principal scoped to some functions may not use routes that act on many at once. */
export function authorizeUnscoped(principal: Principal): void {
  if (principal.functions) {
    throw new FunctionScopeError(`This credential is scoped to ${describeScope(principal.functions)}; this route acts on no single function.`);
  }
}

/** Whether a list item's function is within the principal's scope (for routes that list). */
export async function withinScope(principal: Principal | undefined, target: FunctionTarget, labelsOf: LabelLookup): Promise<boolean> {
  if (!principal?.functions) return true;
  const labels = target.labels ?? (scopeNeedsLabels(principal.functions) ? await labelsOf(target.name) : undefined);
  return inScope(principal.functions, target.name, labels);
}
