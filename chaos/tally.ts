import type { Effect } from './internet';
import { HANG_MS, STREAMS, type LoadItem, type Stream } from './load';

/** The goals of the fault-injection suite, per fault. */
export const GOALS = { lost: 0, duplicated: 0, hanging: 0, recoveryMs: 15_000 };

export interface FaultRow {
  fault: string;
  /** How the table names the fault; by default "SIGKILL <killed>". */
  label?: string;
  /** What was killed: "pyfaas (pid 1234)". */
  killed?: string;
  killedAt?: number;
  sent: Record<Stream, number>;
  /** Accepted (or never got through), and no successful side effect by the end. */
  lost: number;
  /** One request that the platform ran as two or more invocations (two invocation ids). */
  duplicated: number;
  /** Sync callers that waited HANG_MS without any answer. */
  hanging: number;
  /** Sync calls answered with a failed outcome (the caller was told; not lost). */
  failedAnswers: number;
  /** Side effects repeated by the same invocation (an attempt re-run after a crash). */
  reRuns: number;
  /** Kafka records the producer wrote twice (the same key at two offsets): the client's doing, not the platform's. */
  producerResends: number;
  /** From the kill to the moment every stream completed a request sent after it. */
  recoveryMs?: number;
  recoveryByStream?: Partial<Record<Stream, number>>;
  /** Each service's restarts by the supervisor so far, once this fault was recovered from. */
  restarts?: Record<string, number>;
  /** Keys of the lost requests, with why, for the note (at most 10). */
  lostExamples: string[];
}

export function effectsByKey(effects: Effect[]): Map<string, Effect[]> {
  const map = new Map<string, Effect[]>();
  for (const effect of effects) map.set(effect.key, [...(map.get(effect.key) ?? []), effect]);
  return map;
}

/** Why an item counts as lost, or undefined when it is not. */
function lostBecause(item: LoadItem, effects: Effect[]): string | undefined {
  if (item.gaveUp) return `never got through (${item.lastError ?? 'no answer'})`;
  if (item.stream === 'sync' && item.status !== 'succeeded') return undefined; // answered: a failed answer, not a loss
  if (item.stream === 'async' && item.status !== 'succeeded') return `ended ${item.status ?? 'unknown'}`;
  if (effects.length === 0) return 'no side effect';
  return undefined;
}

/** When the request's work was seen done: the sync answer, else its first side effect. */
function completedAt(item: LoadItem, effects: Effect[]): number | undefined {
  if (item.stream === 'sync') return item.status === 'succeeded' ? item.acceptedAt : undefined;
  return effects.length > 0 ? Math.min(...effects.map((effect) => effect.at)) : undefined;
}

/** Counts one fault window's requests against the side effects the ledger received. */
export function tallyWindow(fault: string, items: LoadItem[], effects: Effect[], kill?: { killed: string; at: number }): FaultRow {
  const effectsOf = effectsByKey(effects);
  const row: FaultRow = {
    fault, killed: kill?.killed, killedAt: kill?.at,
    sent: { sync: 0, async: 0, kafka: 0 }, lost: 0, duplicated: 0, hanging: 0, failedAnswers: 0, reRuns: 0, producerResends: 0, lostExamples: [],
  };
  for (const item of items) {
    const seen = effectsOf.get(item.key) ?? [];
    row.sent[item.stream] += 1;
    const why = lostBecause(item, seen);
    if (why) {
      row.lost += 1;
      if (row.lostExamples.length < 10) row.lostExamples.push(`${item.key}: ${why}`);
    }
    if (item.stream === 'sync' && !item.gaveUp && item.status !== 'succeeded') row.failedAnswers += 1;
    if (item.hangs > 0) row.hanging += 1;
    // A Kafka record is identified by where it is; one written twice by the producer is two records.
    const source = (effect: Effect) => (item.stream === 'kafka' ? `${effect.partition}:${effect.offset}` : item.key);
    const idsBySource = new Map<string, Set<string>>();
    for (const effect of seen) idsBySource.set(source(effect), (idsBySource.get(source(effect)) ?? new Set()).add(effect.invocationId));
    if ([...idsBySource.values()].some((ids) => ids.size > 1)) row.duplicated += 1;
    if (idsBySource.size > 1) row.producerResends += 1;
    row.reRuns += seen.length - new Set(seen.map((effect) => effect.invocationId)).size;
  }
  if (kill) {
    row.recoveryByStream = recoveryByStream(items, effectsOf, kill.at);
    row.recoveryMs = recoveryMs(items, effectsOf, kill.at);
  }
  return row;
}

/** Per stream, the first completion of a request sent after the kill (ms after it); absent while there is none. */
export function recoveryByStream(items: LoadItem[], effectsOf: Map<string, Effect[]>, killedAt: number): Partial<Record<Stream, number>> {
  const recovered: Partial<Record<Stream, number>> = {};
  for (const stream of STREAMS) {
    const done = items
      .filter((item) => item.stream === stream && item.submittedAt >= killedAt)
      .map((item) => completedAt(item, effectsOf.get(item.key) ?? []))
      .filter((at): at is number => at !== undefined);
    if (done.length > 0) recovered[stream] = Math.min(...done) - killedAt;
  }
  return recovered;
}

/** The slowest stream's recovery; undefined while one has not recovered. */
export function recoveryMs(items: LoadItem[], effectsOf: Map<string, Effect[]>, killedAt: number): number | undefined {
  const recovered = recoveryByStream(items, effectsOf, killedAt);
  const times = STREAMS.map((stream) => recovered[stream]);
  return times.some((time) => time === undefined) ? undefined : Math.max(...(times as number[]));
}

export function goalsMet(row: FaultRow, goals = GOALS): boolean {
  const recovered = row.killed === undefined || (row.recoveryMs !== undefined && row.recoveryMs <= goals.recoveryMs);
  return row.lost <= goals.lost && row.duplicated <= goals.duplicated && row.hanging <= goals.hanging && recovered;
}

/** The table `npm run chaos` prints. */
export function formatTable(rows: FaultRow[], goals = GOALS): string {
  const header = ['fault', 'sent sync/async/kafka', 'lost', 'duplicated', `hanging (>${HANG_MS / 1000} s)`, 'failed answers', 're-runs', 'recovery', 'goal'];
  const lines = rows.map((row) => [
    row.label ?? (row.killed ? `SIGKILL ${row.killed}` : row.fault),
    `${row.sent.sync}/${row.sent.async}/${row.sent.kafka}`,
    String(row.lost), String(row.duplicated), String(row.hanging), String(row.failedAnswers), String(row.reRuns),
    row.killed === undefined ? '—' : row.recoveryMs === undefined ? 'none' : `${(row.recoveryMs / 1000).toFixed(1)} s`,
    goalsMet(row, goals) ? 'met' : 'MISSED',
  ]);
  const all = [header, ...lines];
  const widths = header.map((_, column) => Math.max(...all.map((line) => line[column].length)));
  const render = (line: string[]) => `| ${line.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  return [render(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...lines.map(render)].join('\n');
}
