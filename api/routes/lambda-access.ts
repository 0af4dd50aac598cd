import type { Middleware } from 'koa';
import { InputError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { bearerCredential } from '../../modules/auth/contract';
import { checkTokenFormat } from '../../modules/auth/tokens/format';
import type { TokenService } from '../../modules/auth/tokens';
import type { RequestState } from '../middleware/request-context';
import { LAMBDA_API_PREFIX, lambdaErrorOf, sendLambdaError } from './lambda-errors';

export const LAMBDA_TOKEN_NAME = 'lambda-api';

/**
 * The Lambda API's door, in front of the router, for paths under /2015-03-31/ only (every
 * other request passes untouched). A request without `Authorization: Bearer …` — AWS tools
 * send a SigV4 `Authorization: AWS4-HMAC-SHA256 …` or nothing — is given the configured
 * Lambda API token as its bearer, when one is configured; a SigV4 header is never read as a
 * credential (without a configured token it is dropped, and the request is anonymous, which
 * the route refuses). Every error raised behind it becomes Lambda's error form
 * (lambda-errors.ts), as does a path under the prefix that no route answers.
 */
export function lambdaApiMiddleware(options: { token?: string; logger: Logger }): Middleware<RequestState> {
  return async (ctx, next) => {
    if (!ctx.path.startsWith(LAMBDA_API_PREFIX)) return next();
    if (bearerCredential(ctx.headers) === undefined) {
      if (options.token !== undefined) ctx.request.headers.authorization = `Bearer ${options.token}`;
      else delete ctx.request.headers.authorization;
    }
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        sendLambdaError(ctx, { status: 404, type: 'ResourceNotFoundException', kind: 'User', message: `No Lambda API operation answers ${ctx.method} ${ctx.path}; this API serves POST /2015-03-31/functions/{name}/invocations.` }, ctx.state.requestId);
      } else if (ctx.status === 405) {
        sendLambdaError(ctx, { status: 405, type: 'MethodNotAllowedException', kind: 'User', message: `${ctx.path} answers POST only.` }, ctx.state.requestId);
      }
    } catch (err) {
      const answer = lambdaErrorOf(err);
      if (answer.status >= 500) ctx.state.logger.error({ err }, 'Lambda API request failed');
      sendLambdaError(ctx, answer, ctx.state.requestId);
    }
  };
}

/**
 * Stores the configured Lambda API token as the invoker token `lambda-api` unless it is
 * stored already (under any name and role: a revoked one stays revoked, an existing token
 * keeps its role). Throws InputError when it is not a PyFaaS token.
 */
export async function ensureLambdaApiToken(deps: { tokens: TokenService; token: string | undefined; logger: Logger }): Promise<void> {
  if (deps.token === undefined) return;
  if (!checkTokenFormat(deps.token)) {
    throw new InputError('PYFAAS_LAMBDA_API_TOKEN is not a PyFaaS token (pyf_… with a valid checksum); make one with `node dist/cli/pyfaas.js new-token`.');
  }
  const { record, created } = await deps.tokens.ensure(deps.token, { name: LAMBDA_TOKEN_NAME, role: 'invoker', createdBy: 'bootstrap' });
  if (created) deps.logger.info({ tokenId: record.id }, 'stored PYFAAS_LAMBDA_API_TOKEN as the invoker token lambda-api');
  else if (record.revokedAt) deps.logger.warn({ tokenId: record.id }, 'PYFAAS_LAMBDA_API_TOKEN names a revoked token; unsigned Lambda API requests will be refused');
  else if (record.role !== 'invoker') deps.logger.warn({ tokenId: record.id, role: record.role }, `PYFAAS_LAMBDA_API_TOKEN names an existing ${record.role} token; it keeps its role`);
}
