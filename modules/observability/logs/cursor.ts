import { InputError } from '../../../common/errors';

/**
 * A position in the function log: `c` and the id of the last line seen. Opaque to clients,
 * but distinct from an epoch-milliseconds time so that `since` can take either.
 */
export type LogCursor = string;

const CURSOR = /^c([0-9]{1,18})$/;

export function toCursor(id: number): LogCursor {
  return `c${id}`;
}

/** True for the `c<id>` form (`since` then reads it as a cursor, not a time). */
export function isCursor(value: string): boolean {
  return CURSOR.test(value);
}

/** The line id a cursor stands for; throws InputError (naming `field`) for anything else. */
export function cursorId(value: string, field: string): number {
  const match = CURSOR.exec(value);
  const id = match ? Number(match[1]) : NaN;
  if (!Number.isSafeInteger(id)) {
    const issue = { path: field, message: 'must be a cursor (the `next` of a page, or an event id)' };
    throw new InputError(`Invalid logs query: ${field}: ${issue.message}.`, { issues: [issue] });
  }
  return id;
}
