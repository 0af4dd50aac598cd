/** A count from metrics or state: anything not a finite positive number is 0. */
export function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}

/** A number for a sentence: at most one decimal, no trailing `.0`. */
export function formatNumber(value: number): string {
  return String(Math.round(value * 10) / 10);
}

/** Milliseconds for a sentence, as seconds: `6 s`, `0.5 s`. */
export function formatSeconds(ms: number): string {
  return `${formatNumber(ms / 1000)} s`;
}
