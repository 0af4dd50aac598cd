import type { Middleware } from 'koa';
import { isPyFaaSError } from '../../common/errors';
import type { RequestState } from './request-context';

export interface ErrorBody {
  error: { code: string; message: string; requestId: string; details?: Record<string, unknown> };
}

/** Errors Koa's own helpers (body parsers, ctx.throw) raise carry an HTTP status. */
function httpStatusOf(err: unknown): number | undefined {
  const status = (err as { status?: unknown; statusCode?: unknown })?.status ?? (err as { statusCode?: unknown })?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : undefined;
}

const CODE_BY_STATUS: Record<number, string> = {
  400: 'INVALID_INPUT',
  401: 'UNAUTHENTICATED',
  403: 'NOT_ALLOWED',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'LIMIT_EXCEEDED',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

/**
 * The one place errors become HTTP answers: typed errors keep their code and status;
 * other 4xx keep their status; anything else is a 500 whose message is not exposed and
 * which is logged with the request id.
 */
export function errorHandler(): Middleware<RequestState> {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        ctx.status = 404;
        ctx.body = body('NOT_FOUND', `No route for ${ctx.method} ${ctx.path}.`, ctx.state.requestId);
      }
    } catch (err) {
      const requestId = ctx.state.requestId;
      if (isPyFaaSError(err)) {
        ctx.status = err.status;
        ctx.body = body(err.code, err.message, requestId, err.details);
        const retryAfter = err.details?.retryAfterSeconds;
        if (typeof retryAfter === 'number') ctx.set('Retry-After', String(retryAfter));
        if (err.status >= 500) ctx.state.logger.error({ err }, 'request failed');
        return;
      }
      const status = httpStatusOf(err);
      if (status !== undefined && status < 500) {
        ctx.status = status;
        ctx.body = body(CODE_BY_STATUS[status] ?? 'INVALID_INPUT', (err as Error).message, requestId);
        return;
      }
      ctx.state.logger.error({ err }, 'request failed');
      ctx.status = 500;
      ctx.body = body('INTERNAL', 'Internal error; the request id identifies it in the logs.', requestId);
    }
  };
}

function body(code: string, message: string, requestId: string, details?: Record<string, unknown>): ErrorBody {
  return { error: { code, message, requestId, ...(details ? { details } : {}) } };
}
