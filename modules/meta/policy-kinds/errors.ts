import { ConflictError, InputError } from '../../../common/errors';

/** What a POLICY_VIOLATION names: the request's field, the policy field that limits it, and the limit. */
export interface ViolationDetails extends Record<string, unknown> {
  /** The request's field, e.g. `memoryMb`. */
  field: string;
  /** The policy and its field that sets the limit, e.g. `function.limits.maxMemoryMb`. */
  policy: string;
  limit: unknown;
  value?: unknown;
}

/** A request asks for more than a platform policy allows (400). */
export class PolicyViolationError extends InputError {
  override readonly code: string = 'POLICY_VIOLATION';
  constructor(message: string, override readonly details: ViolationDetails) {
    super(message, details);
  }
}

/** A request would take the platform past a policy's count (409: it depends on what exists now). */
export class PolicyLimitReachedError extends ConflictError {
  override readonly code: string = 'POLICY_VIOLATION';
  constructor(message: string, override readonly details: ViolationDetails) {
    super(message, details);
  }
}

/** A function names a runtime the runtime policy does not enable (400). */
export class RuntimeDisabledError extends InputError {
  override readonly code: string = 'RUNTIME_DISABLED';
}
