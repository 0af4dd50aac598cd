/**
 * Reading a scrape the way Prometheus does, for the metrics tests: parse-prometheus-text-format
 * (a real parser of the text format, ported from the Python client's) and sums over labels.
 */

/** A metric family as parse-prometheus-text-format gives it (the prom2json shape). */
export interface Family {
  name: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  metrics: Array<{ labels?: Record<string, string>; value?: string; buckets?: Record<string, string>; count?: string; sum?: string }>;
}
// The package ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const parsePrometheus: (text: string) => Family[] = require('parse-prometheus-text-format');

export type Labels = Record<string, string>;
const matches = (labels: Labels | undefined, wanted: Labels) => Object.entries(wanted).every(([k, v]) => labels?.[k] === v);

/** The sum of a counter's or gauge's samples whose labels include `wanted` (0 when none). */
export function valueOf(families: Family[], name: string, wanted: Labels): number {
  return families
    .filter((f) => f.name === name)
    .flatMap((f) => f.metrics)
    .filter((m) => matches(m.labels, wanted))
    .reduce((sum, m) => sum + Number(m.value), 0);
}

/** Whether any sample of `name` has labels including `wanted`. */
export function hasSeries(families: Family[], name: string, wanted: Labels): boolean {
  return families.filter((f) => f.name === name).flatMap((f) => f.metrics).some((m) => matches(m.labels, wanted));
}

/**
 * The text parsed twice: as is (families and their types), and with the histograms' TYPE
 * lines left out, so their `_count` and `_sum` samples come out as plain samples with their
 * labels (parse-prometheus-text-format 1.1.1 flattens a labelled histogram into one bucket
 * map, losing the labels, the count and the sum).
 */
export function parseScrape(text: string): { families: Family[]; samples: Family[] } {
  return { families: parsePrometheus(text), samples: parsePrometheus(text.replace(/^# TYPE \S+ histogram$/gm, '')) };
}

/** A histogram's count and sum over the series whose labels include `wanted`. */
export function histogramOf(samples: Family[], name: string, wanted: Labels): { count: number; sum: number } {
  return { count: valueOf(samples, `${name}_count`, wanted), sum: valueOf(samples, `${name}_sum`, wanted) };
}
