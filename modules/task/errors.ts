import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { ConflictError, NotFoundError, UnavailableError } from '../../common/errors';

export class NoActiveVersionError extends ConflictError {
  override readonly code: string = 'NO_ACTIVE_VERSION';
}

/** An Idempotency-Key already used for another caller's invocation of the function. */
export class IdempotencyKeyInUseError extends ConflictError {
  override readonly code: string = 'IDEMPOTENCY_KEY_IN_USE';
}

export class InvocationNotFoundError extends NotFoundError {
  override readonly code: string = 'INVOCATION_NOT_FOUND';
}

/** An invocation the platform could not run (503), with the failure's own code when it has one (e.g. WORKER_ADAPTER_MISSING). */
export class InvocationPlatformError extends UnavailableError {
  override readonly code: string;
  override readonly status: number;
  constructor(message: string, type?: string | null) {
    super(message);
    this.code = type && /^[A-Z][A-Z0-9_]*$/.test(type) ? type : 'UNAVAILABLE';
    // A policy refusing the attempt (an executor endpoint no longer allowed) is not the platform being away.
    this.status = this.code === 'POLICY_VIOLATION' ? 403 : 503;
  }
}

/** A workflow that failed for a platform reason carries the error code as its failure type. */
export function platformError(err: unknown, invocationId: string): unknown {
  if (err instanceof WorkflowNotFoundError) return new InvocationNotFoundError(`No invocation ${invocationId}.`);
  if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure) {
    const { type, message } = err.cause;
    if (type === 'FUNCTION_NOT_FOUND' || type === 'VERSION_NOT_FOUND') return new NotFoundError(message);
    return new InvocationPlatformError(`Invocation ${invocationId} failed in the platform: ${message}`, type);
  }
  return err;
}

/** More sync invocations wait for a turn on this process than it lets wait (api.syncQueueLimit). */
export class OverloadedError extends UnavailableError {
  override readonly code: string = 'OVERLOADED';
}
