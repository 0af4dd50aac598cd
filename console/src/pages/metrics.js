import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { Chart, ErrorBox, NotAllowed, Table } from '../components.js';
import { duration } from '../format.js';
import { bucketDelta, histogramQuantile } from '../quantile.ts';

const POLL_MS = 5_000;
const KEEP_POINTS = 120;

/** All functions folded into one: the platform-wide counters and histogram. */
function total(functions) {
  const sum = { invocations: 0, errors: 0, buckets: new Map() };
  for (const fn of functions) {
    sum.invocations += fn.invocations;
    sum.errors += fn.errors + fn.timeouts;
    for (const b of fn.durationBuckets) sum.buckets.set(b.le, (sum.buckets.get(b.le) ?? 0) + b.count);
  }
  const buckets = [...sum.buckets].sort((a, b) => (a[0] === null ? 1 : b[0] === null ? -1 : a[0] - b[0])).map(([le, count]) => ({ le, count }));
  return { invocations: sum.invocations, errors: sum.errors, buckets };
}

/**
 * Reads GET /v1/console/metrics every 5 s while the page is open and turns each pair of reads
 * into a point: invocations and errors per second, and the p50/p99 duration of the attempts
 * in between (from the histogram's buckets). The counters are this API process's own.
 */
function useMetricSeries() {
  const [state, setState] = useState({ points: [], latest: undefined, error: undefined });
  const previous = useRef(undefined);
  useEffect(() => {
    let stopped = false;
    const poll = async () => {
      try {
        const read = await api('GET', '/v1/console/metrics');
        if (stopped) return;
        const now = { at: Date.parse(read.at) / 1000, ...total(read.functions) };
        const before = previous.current;
        previous.current = now;
        setState((s) => {
          if (!before) return { ...s, latest: read, error: undefined };
          const seconds = Math.max(now.at - before.at, 0.001);
          const interval = bucketDelta(now.buckets, before.buckets);
          const point = {
            at: now.at,
            rate: Math.max(0, now.invocations - before.invocations) / seconds,
            errors: Math.max(0, now.errors - before.errors) / seconds,
            p50: toMs(histogramQuantile(0.5, interval)),
            p99: toMs(histogramQuantile(0.99, interval)),
          };
          return { points: [...s.points, point].slice(-KEEP_POINTS), latest: read, error: undefined };
        });
      } catch (error) {
        if (!stopped) setState((s) => ({ ...s, error }));
      }
    };
    poll();
    const timer = setInterval(poll, POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);
  return state;
}

const toMs = (seconds) => (seconds === null ? null : seconds * 1000);
const RATE_SERIES = [{ label: 'invocations/s', color: '#2f6fde' }, { label: 'errors/s', color: '#d64545' }];
const LATENCY_SERIES = [{ label: 'p50 ms', color: '#2a9d58' }, { label: 'p99 ms', color: '#b7791f' }];

/** Charts of the invocation rate, errors and p50/p99 duration, and each function's totals since this process started. */
export function MetricsPage() {
  const { points, latest, error } = useMetricSeries();
  if (error?.status === 403) return html`<section class="card"><${NotAllowed} what="read metrics (metrics:read)" error=${error} /></section>`;
  const xs = points.map((p) => p.at);
  return html`<div>
    ${error ? html`<${ErrorBox} error=${error} />` : ''}
    ${latest && !latest.enabled ? html`<div class="not-allowed">Metrics are off on this process (PYFAAS_METRICS=off).</div>` : ''}
    <section class="card">
      <header class="card-head"><h2>Invocations</h2><span class="muted">this API process, a point every ${POLL_MS / 1000} s · <span data-testid="points">${points.length}</span> points</span></header>
      <div class="columns">
        <${Chart} title="Rate and errors (per second)" series=${RATE_SERIES} data=${[xs, points.map((p) => p.rate), points.map((p) => p.errors)]} />
        <${Chart} title="Duration p50 / p99 (ms)" series=${LATENCY_SERIES} data=${[xs, points.map((p) => p.p50), points.map((p) => p.p99)]} />
      </div>
      ${points.length === 0 ? html`<p class="muted">Collecting: the charts start after the second read.</p>` : ''}
    </section>
    <section class="card">
      <header class="card-head"><h2>Per function, since this process started</h2></header>
      ${latest ? html`<${Table} testId="metrics-table" columns=${['Function', 'Invocations', 'Errors', 'Timeouts', 'Cold starts', 'p50', 'p99']} empty="No invocations ran in this process yet."
        rows=${latest.functions.map((f) => html`<tr>
          <td>${f.function}</td><td>${f.invocations}</td><td>${f.errors}</td><td>${f.timeouts}</td><td>${f.coldStarts}</td>
          <td>${duration(toMs(histogramQuantile(0.5, f.durationBuckets)))}</td><td>${duration(toMs(histogramQuantile(0.99, f.durationBuckets)))}</td>
        </tr>`)} />` : html`<p class="muted">Loading…</p>`}
    </section>
  </div>`;
}
