/**
 * The one catalogue of typed errors. Every error a user can meet carries a stable
 * `code` (documented, never renamed) and the HTTP status the API answers with.
 */
export abstract class PyFaaSError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
  constructor(
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class InputError extends PyFaaSError {
  readonly code: string = 'INVALID_INPUT';
  readonly status: number = 400;
}

export class NotFoundError extends PyFaaSError {
  readonly code: string = 'NOT_FOUND';
  readonly status: number = 404;
}

export class ConflictError extends PyFaaSError {
  readonly code: string = 'CONFLICT';
  readonly status: number = 409;
}

export class NotAllowedError extends PyFaaSError {
  readonly code: string = 'NOT_ALLOWED';
  readonly status: number = 403;
}

export class UnauthenticatedError extends PyFaaSError {
  readonly code: string = 'UNAUTHENTICATED';
  readonly status: number = 401;
}

export class LimitExceededError extends PyFaaSError {
  readonly code: string = 'LIMIT_EXCEEDED';
  readonly status: number = 413;
}

/** A module is missing, misdeclared or failed to load. */
export class ModuleError extends PyFaaSError {
  readonly code: string = 'MODULE_ERROR';
  readonly status: number = 500;
}

/** A dependency (Temporal, Kafka, the database) cannot be reached. */
export class UnavailableError extends PyFaaSError {
  readonly code: string = 'UNAVAILABLE';
  readonly status: number = 503;
}

/** Setup cannot go on: a tool is missing, a port is taken, a registry does not answer. */
export class SetupError extends PyFaaSError {
  readonly code: string = 'SETUP_FAILED';
  readonly status: number = 500;
}

export function isPyFaaSError(err: unknown): err is PyFaaSError {
  return err instanceof PyFaaSError;
}

/** Every instance a function may run is busy; the caller (Temporal) retries later. */
export class AtCapacityError extends PyFaaSError {
  readonly code: string = 'AT_CAPACITY';
  readonly status: number = 429;
}

/** A function's code could not be loaded: handler file or export missing, import raised. */
export class FunctionLoadError extends InputError {
  override readonly code: string = 'HANDLER_LOAD_FAILED';
}
