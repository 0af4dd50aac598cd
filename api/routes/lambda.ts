import { z } from 'zod';
import type { FunctionErrorInfo, InvocationLogs } from '../../contracts/invocation';
import type { InvocationView } from '../../modules/task/invocation-view';
import type { Invoker, InvokeOptions } from '../../modules/task/invoker';
import { readBytes } from '../../modules/trigger/http/read-body';
import { defineRoute, pathParam, queryParam, type ApiContext, type RouteSpec } from '../route';
import * as schemas from '../schemas';
import { aliasParam } from './aliases';
import { LambdaInputError } from './lambda-errors';

export interface LambdaRoutesDeps {
  invoker: Invoker;
  bodyLimitBytes: number;
}

const INVOCATION_TYPES = ['RequestResponse', 'Event', 'DryRun'] as const;
type InvocationType = (typeof INVOCATION_TYPES)[number];
/** Lambda's X-Amz-Log-Result holds the last 4 KB of the invocation's log. */
const LOG_TAIL_BYTES = 4096;
const TRIGGER = 'lambda-api';

/**
 * POST /2015-03-31/functions/{name}/invocations — Lambda's Invoke API, so the AWS CLI and SDKs
 * invoke PyFaaS functions. `X-Amz-Invocation-Type`: RequestResponse (default) answers 200 with
 * the function's result as the body; Event answers 202 at once; DryRun answers 204 once the
 * function (and the qualifier's version) exists and the caller may invoke it, running nothing.
 * `Qualifier`: a version number, `$LATEST` (the active version) or an alias. `X-Amz-Log-Type:
 * Tail` adds `X-Amz-Log-Result`. A function error is a 200 with `X-Amz-Function-Error:
 * Unhandled` and Lambda's `{errorMessage, errorType, stackTrace}`. Service errors take Lambda's
 * form in lambda-access.ts, which also supplies the configured token to unsigned requests.
 */
export function lambdaRoutes(deps: LambdaRoutesDeps): RouteSpec[] {
  return [
    defineRoute({
      method: 'post', path: '/2015-03-31/functions/{name}/invocations', access: 'function:invoke', tag: 'Lambda-compatible API', rawBody: true,
      summary: "Invoke a function the way Lambda's Invoke API does (AWS CLI, boto3, any AWS SDK)",
      description:
        'The body is the event (JSON; empty reads as `{}`). Headers: `X-Amz-Invocation-Type` (RequestResponse, Event, DryRun), `X-Amz-Log-Type` (None, Tail). ' +
        'Answers carry `X-Amz-Executed-Version` and `x-amzn-RequestId` (the invocation id). Errors carry `x-amzn-ErrorType` (ResourceNotFoundException, InvalidRequestContentException, ' +
        'InvalidParameterValueException, TooManyRequestsException, AccessDeniedException, UnrecognizedClientException, ResourceConflictException, ServiceException). ' +
        'Without a bearer token the configured Lambda API token (PYFAAS_LAMBDA_API_TOKEN) is used, if there is one.',
      params: z.object({ name: pathParam('The function name') }),
      query: z.object({ Qualifier: queryParam('A version number, $LATEST (the active version) or an alias') }),
      responses: {
        200: { description: "The function's result (JSON); on a function error (X-Amz-Function-Error: Unhandled), Lambda's error object", schema: schemas.lambdaFunctionErrorSchema },
        202: { description: 'Event: queued' },
        204: { description: 'DryRun: the function exists and the caller may invoke it' },
        404: { description: 'ResourceNotFoundException', schema: schemas.lambdaServiceErrorSchema },
      },
      target: ({ params }) => ({ name: params.name }),
      async handler(ctx, { params, query, principal }) {
        const type = invocationType(ctx.get('x-amz-invocation-type'));
        const tail = logType(ctx.get('x-amz-log-type'));
        const options: InvokeOptions = { ...qualifier(query.Qualifier), trigger: TRIGGER, caller: principal?.id };
        if (type === 'DryRun') {
          const { version } = await deps.invoker.resolve(params.name, options.version, options.alias);
          ctx.set('X-Amz-Executed-Version', String(version.number));
          ctx.status = 204;
          return;
        }
        const event = parseEvent(await readBytes(ctx.req, deps.bodyLimitBytes));
        if (type === 'Event') {
          const { invocationId } = await deps.invoker.invokeAsync(params.name, event, options);
          ctx.set('x-amzn-RequestId', invocationId);
          ctx.status = 202;
          ctx.body = '';
          return;
        }
        const view = await deps.invoker.invokeSync(params.name, event, options);
        sendResult(ctx, view, tail);
      },
    }),
  ];
}

function invocationType(header: string): InvocationType {
  if (!header) return 'RequestResponse';
  if ((INVOCATION_TYPES as readonly string[]).includes(header)) return header as InvocationType;
  throw new LambdaInputError('InvalidParameterValueException', `X-Amz-Invocation-Type must be one of ${INVOCATION_TYPES.join(', ')} (got ${JSON.stringify(header.slice(0, 64))}).`);
}

function logType(header: string): boolean {
  if (!header || header === 'None') return false;
  if (header === 'Tail') return true;
  throw new LambdaInputError('InvalidParameterValueException', `X-Amz-Log-Type must be None or Tail (got ${JSON.stringify(header.slice(0, 64))}).`);
}

/** `7` → version 7; `$LATEST` or none → the active version; anything else must be an alias name. */
function qualifier(value: string | undefined): { version?: number; alias?: string } {
  if (value === undefined || value === '' || value === '$LATEST') return {};
  if (/^[1-9][0-9]{0,9}$/.test(value) && Number(value) <= 2 ** 31 - 1) return { version: Number(value) };
  try {
    return { alias: aliasParam(value) };
  } catch {
    throw new LambdaInputError('InvalidParameterValueException', `Qualifier must be a version number, $LATEST or an alias name (got ${JSON.stringify(value.slice(0, 64))}).`);
  }
}

/** The payload as JSON; an empty one is `{}`, as Lambda gives the handler. */
function parseEvent(bytes: Buffer): unknown {
  const text = bytes.toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new LambdaInputError('InvalidRequestContentException', `Could not parse request body into json: ${(err as Error).message}`);
  }
}

function sendResult(ctx: ApiContext, view: InvocationView, tail: boolean): void {
  ctx.set('x-amzn-RequestId', view.invocationId);
  if (view.version !== undefined) ctx.set('X-Amz-Executed-Version', String(view.version));
  if (tail) ctx.set('X-Amz-Log-Result', logTail(view));
  ctx.status = 200;
  ctx.type = 'application/json';
  if (view.status === 'succeeded') {
    ctx.body = JSON.stringify(view.result ?? null);
    return;
  }
  ctx.set('X-Amz-Function-Error', 'Unhandled');
  ctx.body = JSON.stringify(lambdaError(view));
}

/** Lambda's error object for an invocation that did not succeed (failed, timed out, cancelled). */
function lambdaError(view: InvocationView): z.infer<typeof schemas.lambdaFunctionErrorSchema> {
  const error: FunctionErrorInfo | undefined = view.error;
  if (view.status === 'timed_out') {
    return { errorMessage: error?.message || `Task timed out after ${((view.durationMs ?? 0) / 1000).toFixed(2)} seconds`, errorType: 'Sandbox.Timedout', stackTrace: [] };
  }
  if (!error) return { errorMessage: `The invocation ended ${view.status}.`, errorType: view.status === 'cancelled' ? 'Cancelled' : 'Unhandled', stackTrace: [] };
  return { errorMessage: error.message, errorType: error.type, stackTrace: (error.stack ?? '').split('\n').filter((line) => line.trim() !== '') };
}

/**
 * Base64 of the invocation's log as Lambda writes it (START, the function's stdout then
 * stderr, END, REPORT), cut to its last 4 KB at a character boundary.
 */
function logTail(view: InvocationView): string {
  const id = view.invocationId;
  const logs: InvocationLogs = view.logs ?? { stdout: '', stderr: '', truncated: false };
  const text =
    `START RequestId: ${id} Version: ${view.version ?? '$LATEST'}\n` + logs.stdout + logs.stderr +
    `END RequestId: ${id}\nREPORT RequestId: ${id}\tDuration: ${(view.durationMs ?? 0).toFixed(2)} ms\n`;
  let bytes = Buffer.from(text, 'utf8');
  if (bytes.length > LOG_TAIL_BYTES) {
    let start = bytes.length - LOG_TAIL_BYTES;
    while (start < bytes.length && (bytes[start] & 0xc0) === 0x80) start += 1; // not inside a UTF-8 sequence
    bytes = bytes.subarray(start);
  }
  return bytes.toString('base64');
}
