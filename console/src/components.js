import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

/** What a 403 looks like: the page stays usable, the section says why it is empty. */
export function NotAllowed({ what, error }) {
  return html`<div class="not-allowed" role="alert" data-testid="not-allowed">
    <strong>Not allowed</strong>: your token may not ${what}.${error?.message ? html` <span class="muted">(${error.message})</span>` : ''}
  </div>`;
}

export function ErrorBox({ error }) {
  return html`<div class="error" role="alert"><strong>${error.code ?? 'Error'}</strong>: ${error.message}</div>`;
}

/**
 * One section fed by `useApi`: a spinner while loading, "not allowed" on a 403, the error
 * otherwise, else `children(data)`.
 */
export function Section({ title, what, state, children, actions }) {
  let body;
  if (state.loading) body = html`<p class="muted">Loading…</p>`;
  else if (state.error?.status === 403) body = html`<${NotAllowed} what=${what} error=${state.error} />`;
  else if (state.error) body = html`<${ErrorBox} error=${state.error} />`;
  else if (state.data !== undefined) body = children(state.data);
  return html`<section class="card">
    <header class="card-head"><h2>${title}</h2>${actions ?? ''}</header>
    ${body}
  </section>`;
}

export function Status({ value }) {
  return html`<span class=${`status status-${String(value ?? 'unknown').replace(/[^a-z_]/g, '')}`}>${value ?? 'unknown'}</span>`;
}

/** An empty table says so instead of showing only its header. */
export function Table({ columns, rows, empty, testId }) {
  if (rows.length === 0) return html`<p class="muted">${empty}</p>`;
  return html`<table data-testid=${testId}>
    <thead><tr>${columns.map((c) => html`<th>${c}</th>`)}</tr></thead>
    <tbody>${rows}</tbody>
  </table>`;
}

/**
 * A uPlot chart of `data` ([xs, ...ys]) with `series` labels; redrawn in place when the data
 * change, resized with its box.
 */
export function Chart({ data, series, height = 180, sparkline = false, title }) {
  const box = useRef(null);
  const plot = useRef(null);
  useEffect(() => {
    const width = Math.max(box.current.clientWidth, sparkline ? 120 : 300);
    const options = sparkline
      ? { width, height, legend: { show: false }, cursor: { show: false }, axes: [{ show: false }, { show: false }], scales: { x: { time: true }, y: { range: (_u, _min, max) => [-0.1 * Math.max(1, max), 1.1 * Math.max(1, max)] } }, series: [{}, { stroke: '#2f6fde', fill: 'rgba(47,111,222,0.15)', width: 1, points: { show: false } }] }
      : { title, width, height, scales: { x: { time: true } }, series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, points: { show: false }, spanGaps: true }))] };
    plot.current = new uPlot(options, data, box.current);
    return () => plot.current.destroy();
  }, [series?.length, sparkline, height]);
  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);
  return html`<div class=${sparkline ? 'sparkline' : 'chart'} ref=${box}></div>`;
}
