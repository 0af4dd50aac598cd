import { createHash } from 'node:crypto';
import { TypedSearchAttributes } from '@temporalio/common';
import { InputError } from '../../common/errors';
import { INVOKE_GENERATION, type InvokeInput } from '../../contracts/invocation';
import { CALLER_KEY, FUNCTION_KEY, MODE_KEY, STATUS_KEY, TRIGGER_KEY, VERSION_KEY } from '../../contracts/search-attributes';

export const INVOKE_WORKFLOW = 'invokeFunction';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * What every start of `invokeFunction` carries, whoever starts it (API, bridge, schedule):
 * the input, a memo and the search attributes the Temporal UI filters on. The version is
 * set when known; otherwise the workflow sets it once it has read the function.
 */
export function invocationStart(input: InvokeInput) {
  const version = input.plan?.version ?? input.version;
  return {
    args: [{ ...input, generation: INVOKE_GENERATION }] as [InvokeInput],
    memo: {
      functionName: input.functionName, mode: input.mode, trigger: input.trigger, ...(version !== undefined ? { version } : {}),
      ...(input.alias !== undefined ? { alias: input.alias } : {}),
      ...(input.caller !== undefined ? { caller: input.caller } : {}),
    },
    typedSearchAttributes: new TypedSearchAttributes([
      { key: FUNCTION_KEY, value: input.functionName },
      ...(version !== undefined ? [{ key: VERSION_KEY, value: String(version) }] : []),
      { key: TRIGGER_KEY, value: input.trigger },
      { key: MODE_KEY, value: input.mode },
      { key: STATUS_KEY, value: 'queued' },
      ...(input.caller !== undefined ? [{ key: CALLER_KEY, value: input.caller }] : []),
    ]),
  };
}

/**
 * The invocation id for an async request with an idempotency key: the same function and key
 * always give the same id, whether the request came over HTTP or the invoke topic.
 */
export function idempotentInvocationId(functionName: string, idempotencyKey: string): string {
  if (!IDEMPOTENCY_KEY.test(idempotencyKey)) throw new InputError('Idempotency-Key must be 1 to 255 printable ASCII characters.');
  return `${functionName}-idem-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32)}`;
}
