import { NotFoundError, PyFaaSError, UnavailableError } from '../../../common/errors';

/** No HTTP trigger's route matches the request path. */
export class RouteNotFoundError extends NotFoundError {
  override readonly code: string = 'ROUTE_NOT_FOUND';
}

/** A route matches the path but not the method; `allow` lists the methods that would match. */
export class MethodNotAllowedError extends PyFaaSError {
  readonly code: string = 'METHOD_NOT_ALLOWED';
  readonly status: number = 405;
  constructor(
    message: string,
    readonly allow: readonly string[],
  ) {
    super(message, { allow: [...allow] });
  }
}

/** The matching trigger is paused: the route exists but takes no requests for now. */
export class TriggerPausedError extends UnavailableError {
  override readonly code: string = 'TRIGGER_PAUSED';
}
