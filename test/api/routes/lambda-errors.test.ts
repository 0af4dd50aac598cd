import { ConflictError, InputError, LimitExceededError, NotAllowedError, UnauthenticatedError, UnavailableError } from '../../../common/errors';
import { lambdaErrorOf, LambdaInputError } from '../../../api/routes/lambda-errors';
import { RateLimitedError } from '../../../modules/auth/errors';
import { FunctionNotFoundError } from '../../../modules/meta/functions';
import { OverloadedError } from '../../../modules/task/errors';

describe("lambdaErrorOf: PyFaaS's typed errors in Lambda's names and statuses", () => {
  it.each(([
    [new FunctionNotFoundError('No function f.'), 404, 'ResourceNotFoundException', 'User'],
    [new InputError('not json'), 400, 'InvalidRequestContentException', 'User'],
    [new LambdaInputError('InvalidParameterValueException', 'bad qualifier'), 400, 'InvalidParameterValueException', 'User'],
    [new UnauthenticatedError('bad token'), 403, 'UnrecognizedClientException', 'User'],
    [new NotAllowedError('no'), 403, 'AccessDeniedException', 'User'],
    [new ConflictError('not ready'), 409, 'ResourceConflictException', 'User'],
    [new LimitExceededError('big'), 413, 'RequestTooLargeException', 'User'],
    [new UnavailableError('temporal down'), 503, 'ServiceException', 'Service'],
  ] as const).map(([err, ...rest]) => [err.constructor.name, rest[0], rest[1], err, rest[2]] as const))('%s → %s %s', (_name, status, type, err, kind) => {
    expect(lambdaErrorOf(err)).toMatchObject({ status, type, kind, message: (err as Error).message });
  });

  it('throttles rate limits and overload as TooManyRequestsException with the retry delay', () => {
    expect(lambdaErrorOf(new RateLimitedError('slow down', 3))).toMatchObject({ status: 429, type: 'TooManyRequestsException', retryAfterSeconds: 3 });
    expect(lambdaErrorOf(new OverloadedError('busy'))).toMatchObject({ status: 429, type: 'TooManyRequestsException' });
  });

  it('never shows the message of an untyped error', () => {
    const answer = lambdaErrorOf(new Error('password=hunter2 at db.internal:5432'));
    expect(answer).toMatchObject({ status: 500, type: 'ServiceException', kind: 'Service' });
    expect(answer.message).not.toContain('hunter2');
  });
});
