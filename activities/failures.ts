import { ApplicationFailure } from '@temporalio/activity';
import { AtCapacityError, InputError, isPyFaaSError } from '../common/errors';

/**
 * Turns a typed error into the Temporal failure the workflow sees: its code is the
 * failure type, input errors are non-retryable, capacity is retried. `inputCode` renames
 * a generic input error for the step that raised it (e.g. SYNTAX_ERROR).
 */
export function toFailure(err: unknown, inputCode?: string): unknown {
  if (err instanceof AtCapacityError) return ApplicationFailure.retryable(err.message, err.code);
  if (isPyFaaSError(err) && err.status < 500) {
    const code = inputCode && err.constructor === InputError ? inputCode : err.code;
    return ApplicationFailure.nonRetryable(err.message, code, err.details);
  }
  return err;
}

/** Runs `work`, converting what it throws with toFailure. */
export async function asActivity<T>(work: () => Promise<T>, inputCode?: string): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw toFailure(err, inputCode);
  }
}
