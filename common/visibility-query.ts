/** A string as a Temporal visibility query literal: single-quoted, with `\` and `'` escaped. */
export function visibilityLiteral(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
