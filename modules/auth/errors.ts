import { NotAllowedError, PyFaaSError, UnauthenticatedError } from '../../common/errors';

/** The presented credential is not of any shape PyFaaS issues (or its checksum is wrong). */
export class TokenMalformedError extends UnauthenticatedError {
  override readonly code: string = 'TOKEN_MALFORMED';
}

/** Well formed, but no such token exists. */
export class TokenUnknownError extends UnauthenticatedError {
  override readonly code: string = 'TOKEN_UNKNOWN';
}

export class TokenRevokedError extends UnauthenticatedError {
  override readonly code: string = 'TOKEN_REVOKED';
}

/** A token or a JWT past its expiry. */
export class TokenExpiredError extends UnauthenticatedError {
  override readonly code: string = 'TOKEN_EXPIRED';
}

/** A JWT whose signature does not verify against the configured keys. */
export class TokenSignatureError extends UnauthenticatedError {
  override readonly code: string = 'TOKEN_BAD_SIGNATURE';
}

/** A JWT whose audience, issuer or claims are not what the auth policy asks for. */
export class TokenClaimsError extends UnauthenticatedError {
  override readonly code: string = 'TOKEN_BAD_CLAIMS';
}

/** A valid principal without the permission the route needs; `details.permission` names it. */
export class PermissionDeniedError extends NotAllowedError {}

/** A principal scoped to other functions. */
export class FunctionScopeError extends NotAllowedError {
  override readonly code: string = 'FUNCTION_NOT_IN_SCOPE';
}

/** Over the request rate; the API answers 429 with Retry-After. */
export class RateLimitedError extends PyFaaSError {
  readonly code: string = 'RATE_LIMITED';
  readonly status: number = 429;
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message, { retryAfterSeconds });
  }
}
