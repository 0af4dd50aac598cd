import type { Context } from 'koa';
import { isPyFaaSError } from '../../common/errors';
import { InputError } from '../../common/errors';

/** The Lambda API's own path prefix (its API version), under which errors take Lambda's form. */
export const LAMBDA_API_PREFIX = '/2015-03-31/';

/** A request the Lambda API refuses with one of Lambda's own error names (e.g. InvalidParameterValueException). */
export class LambdaInputError extends InputError {
  constructor(readonly lambdaType: string, message: string) {
    super(message);
  }
}

export interface LambdaErrorAnswer {
  status: number;
  type: string;
  /** `User` (the caller's fault) or `Service` (ours), as Lambda's bodies say. */
  kind: 'User' | 'Service';
  message: string;
  retryAfterSeconds?: number;
}

/**
 * Maps any error the Lambda route (or the router before it: auth, rates, input) throws to the
 * answer Lambda gives for it: the same exception names and statuses AWS SDKs and the AWS CLI
 * recognise. A PyFaaS 5xx or an untyped error is a ServiceException whose message says nothing
 * internal; everything else keeps its own (already client-safe) message.
 */
export function lambdaErrorOf(err: unknown): LambdaErrorAnswer {
  if (err instanceof LambdaInputError) return { status: 400, type: err.lambdaType, kind: 'User', message: err.message };
  if (!isPyFaaSError(err)) {
    const status = (err as { status?: unknown })?.status;
    if (status === 413) return { status: 413, type: 'RequestTooLargeException', kind: 'User', message: (err as Error).message };
    return { status: 500, type: 'ServiceException', kind: 'Service', message: 'Internal error; the request id identifies it in the logs.' };
  }
  const retryAfter = typeof err.details?.retryAfterSeconds === 'number' ? err.details.retryAfterSeconds : (err as { retryAfterSeconds?: unknown }).retryAfterSeconds;
  const retryAfterSeconds = typeof retryAfter === 'number' ? retryAfter : undefined;
  const user = (type: string, status: number): LambdaErrorAnswer => ({ status, type, kind: 'User', message: err.message, retryAfterSeconds });
  switch (err.status) {
    case 400: return user('InvalidRequestContentException', 400);
    case 401: return user('UnrecognizedClientException', 403);
    case 403: return user('AccessDeniedException', 403);
    case 404: return user('ResourceNotFoundException', 404);
    case 409: return user('ResourceConflictException', 409);
    case 413: return user('RequestTooLargeException', 413);
    case 429: return user('TooManyRequestsException', 429);
  }
  // Too many sync callers waiting here (OVERLOADED) is Lambda's throttle, not a fault.
  if (err.code === 'OVERLOADED') return user('TooManyRequestsException', 429);
  if (err.status === 503) return { status: 503, type: 'ServiceException', kind: 'Service', message: err.message, retryAfterSeconds };
  return { status: 500, type: 'ServiceException', kind: 'Service', message: 'Internal error; the request id identifies it in the logs.' };
}

/** Writes a Lambda error answer: `x-amzn-ErrorType` (what SDKs read first) and `{"Type","Message"}`. */
export function sendLambdaError(ctx: Context, answer: LambdaErrorAnswer, requestId: string): void {
  ctx.status = answer.status;
  ctx.set('x-amzn-ErrorType', answer.type);
  ctx.set('x-amzn-RequestId', requestId);
  if (answer.retryAfterSeconds !== undefined) ctx.set('Retry-After', String(answer.retryAfterSeconds));
  ctx.body = { Type: answer.kind, Message: answer.message };
}
