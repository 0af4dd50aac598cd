import parse from 'co-body';
import type { Context } from 'koa';
import { InputError, LimitExceededError } from '../common/errors';

/**
 * Reads the request body as JSON, at most `limitBytes`. Throws LimitExceededError (413)
 * when it is larger — checked against Content-Length before reading when it is given —
 * and InputError (400) when it is not JSON. An empty body reads as `undefined`.
 */
export async function readJson(ctx: Context, limitBytes: number): Promise<unknown> {
  const declared = Number(ctx.get('content-length') || NaN);
  if (declared > limitBytes) throw tooLarge(limitBytes);
  let text: string;
  try {
    text = await parse.text(ctx.req, { limit: limitBytes, encoding: 'utf8' });
  } catch (err) {
    if ((err as { type?: string }).type === 'entity.too.large') throw tooLarge(limitBytes);
    throw new InputError(`Could not read the request body: ${(err as Error).message}.`);
  }
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InvalidJsonError(`The request body is not valid JSON: ${(err as Error).message}.`);
  }
}

export class InvalidJsonError extends InputError {
  override readonly code: string = 'INVALID_JSON';
}

function tooLarge(limitBytes: number): LimitExceededError {
  return new LimitExceededError(`The request body is larger than the limit of ${limitBytes} bytes.`);
}

/** Parses an optional positive integer query parameter; throws InputError naming it. */
export function intParam(value: unknown, name: string, bounds: { min: number; max: number }): number | undefined {
  if (value === undefined || value === '') return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < bounds.min || number > bounds.max) {
    throw new InputError(`${name} must be an integer from ${bounds.min} to ${bounds.max} (got ${JSON.stringify(value)}).`);
  }
  return number;
}

export function boolParam(value: unknown): boolean {
  return value === 'true' || value === '1' || value === '';
}
