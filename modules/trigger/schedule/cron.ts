/**
 * Cron expressions a schedule trigger accepts: standard 5-field cron (minute, hour,
 * day-of-month, month, day-of-week) with `*`, lists, ranges, steps and three-letter names, or
 * one of `@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`.
 *
 * Checked by hand rather than with a cron library because Temporal, not PyFaaS, parses the
 * expression, and libraries disagree with it: cron-parser reads 6 fields as seconds-first
 * where Temporal reads the 6th as the year, and accepts `L`, `W` and `1#2` where Temporal
 * silently takes everything after `#` as a comment. Everything accepted here is a subset of
 * Temporal's grammar (service/worker/scheduler/calendar.go) with the meaning standard cron
 * gives it, so Temporal never fires at times other than those the user wrote. One difference
 * remains and is documented, not refused: when both day-of-month and day-of-week are
 * restricted, Temporal requires both to match (standard cron fires when either does).
 */

interface CronField {
  name: string;
  min: number;
  max: number;
  /** Three-letter names, lowercase, for value `min + index`. */
  names?: readonly string[];
}

const FIELDS: readonly CronField[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  // 7 is Sunday too, as in standard cron and in Temporal.
  { name: 'day-of-week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

export const CRON_SHORTHANDS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'] as const;

export const MAX_CRON_LENGTH = 256;

/** What is wrong with `expression`, one phrase per problem; empty when it is valid. */
export function cronProblems(expression: string): string[] {
  const text = expression.trim();
  if (text === '') return ['is empty'];
  if (text.length > MAX_CRON_LENGTH) return [`is longer than ${MAX_CRON_LENGTH} characters`];
  if (/^(CRON_)?TZ=/i.test(text)) return ['must not start with TZ= or CRON_TZ=: set the trigger\'s timezone instead'];
  if (text.includes('#')) return ['must not contain # (Temporal would read the rest as a comment, so nth-weekday forms like 1#2 are not supported)'];
  if (text.startsWith('@')) {
    if (/^@every\b/i.test(text)) return ['@every is not a cron expression: set interval instead'];
    if ((CRON_SHORTHANDS as readonly string[]).includes(text.toLowerCase())) return [];
    return [`${JSON.stringify(text)} is not a known shorthand; use one of ${CRON_SHORTHANDS.join(', ')}`];
  }
  const parts = text.split(/\s+/);
  if (parts.length !== FIELDS.length) {
    return [`must have 5 fields (minute hour day-of-month month day-of-week), not ${parts.length}`];
  }
  return parts.flatMap((part, index) => fieldProblems(part, FIELDS[index]));
}

/** True when `expression` is one Temporal will run as written. */
export function isValidCron(expression: string): boolean {
  return cronProblems(expression).length === 0;
}

function fieldProblems(text: string, field: CronField): string[] {
  const problems: string[] = [];
  for (const item of text.split(',')) {
    const problem = itemProblem(item, field);
    if (problem) problems.push(`${field.name} ${JSON.stringify(item)}: ${problem}`);
  }
  return problems;
}

/** One list item: `*`, `v`, `a-b`, each optionally followed by `/step`. */
function itemProblem(item: string, field: CronField): string | undefined {
  if (item === '') return 'is empty';
  const [base, step, extra] = item.split('/');
  if (extra !== undefined) return 'has more than one /';
  if (step !== undefined) {
    if (!/^\d+$/.test(step)) return 'the step must be a whole number';
    if (Number(step) < 1 || Number(step) > field.max) return `the step must be between 1 and ${field.max}`;
  }
  if (base === '*') return undefined;
  const [from, to, more] = base.split('-');
  if (more !== undefined) return 'has more than one -';
  const start = valueOf(from, field);
  if (start === undefined) return outOfRange(from, field);
  if (to === undefined) return undefined;
  const end = valueOf(to, field);
  if (end === undefined) return outOfRange(to, field);
  if (end < start) return 'the range ends before it starts';
  return undefined;
}

function valueOf(text: string, field: CronField): number | undefined {
  if (/^\d{1,2}$/.test(text)) {
    const value = Number(text);
    return value >= field.min && value <= field.max ? value : undefined;
  }
  const index = field.names?.indexOf(text.toLowerCase()) ?? -1;
  return index >= 0 ? field.min + index : undefined;
}

function outOfRange(text: string, field: CronField): string {
  const names = field.names ? ` or ${field.names[0].toUpperCase()}-${field.names[field.names.length - 1].toUpperCase()}` : '';
  return `${JSON.stringify(text)} is not ${field.min}-${field.max}${names}`;
}
