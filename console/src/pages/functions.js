import { html } from 'htm/preact';
import { seg } from '../api.js';
import { Chart, Section, Status, Table } from '../components.js';
import { useApi } from '../hooks.js';
import { when } from '../format.js';

const SPARK_BUCKETS = 20;
const SPARK_WINDOW_MS = 60 * 60_000;

/** Invocations of the last hour in 3-minute buckets, from the newest page of the function's invocations. */
function sparkData(items, now) {
  const start = now - SPARK_WINDOW_MS;
  const width = SPARK_WINDOW_MS / SPARK_BUCKETS;
  const xs = Array.from({ length: SPARK_BUCKETS }, (_, i) => (start + (i + 1) * width) / 1000);
  const ys = new Array(SPARK_BUCKETS).fill(0);
  for (const item of items) {
    const at = Date.parse(item.startedAt ?? '');
    if (!(at >= start)) continue;
    ys[Math.min(SPARK_BUCKETS - 1, Math.floor((at - start) / width))] += 1;
  }
  return [xs, ys];
}

function FunctionRow({ fn }) {
  const recent = useApi(`/v1/invocations?function=${seg(fn.name)}&limit=100`, 15_000);
  const items = recent.data?.items ?? [];
  const last = items[0];
  return html`<tr data-testid="function-row">
    <td><a href=${`#/functions/${seg(fn.name)}`}>${fn.name}</a></td>
    <td><${Status} value=${fn.activeVersion === null ? 'not deployed' : 'active'} /></td>
    <td>${fn.runtime}</td>
    <td>${fn.activeVersion === null ? '—' : `v${fn.activeVersion}`}</td>
    <td>${recent.error ? html`<span class="muted">${recent.error.status === 403 ? 'not allowed' : 'unavailable'}</span>` : html`<${Chart} sparkline height=${28} data=${sparkData(items, Date.now())} />`}</td>
    <td>${last ? html`<${Status} value=${last.status} /> <span class="muted">${when(last.startedAt)}</span>` : html`<span class="muted">none yet</span>`}</td>
  </tr>`;
}

/**
 * Every function the token may read, with its state and a sparkline of its invocations in
 * the last hour. A token without function:read (an invoker) sees the names its scope grants.
 */
export function FunctionsPage({ principal }) {
  const list = useApi('/v1/functions?limit=500', 15_000);
  const scoped = principal.functions?.names ?? [];
  return html`<div>
    <${Section} title="Functions" what="list functions (function:read)" state=${list}
      actions=${principal.permissions.includes('function:create') ? html`<a class="button" href="#/new">New function</a>` : ''}>
      ${(page) => html`<${Table} testId="functions-table" columns=${['Name', 'Status', 'Runtime', 'Active version', 'Invocations (1 h)', 'Last invocation']}
        empty="No functions yet." rows=${page.items.map((fn) => html`<${FunctionRow} key=${fn.name} fn=${fn} />`)} />`}
    <//>
    ${list.error?.status === 403 && scoped.length > 0
      ? html`<section class="card"><h2>Functions you may invoke</h2><ul data-testid="scoped-functions">${scoped.map((name) => html`<li><a href=${`#/functions/${seg(name)}`}>${name}</a></li>`)}</ul></section>`
      : ''}
    ${list.error?.status === 403 && scoped.length === 0 ? html`<${OpenByName} />` : ''}
  </div>`;
}

/** For a token that may invoke but not list: go to a function's page by its name. */
function OpenByName() {
  const open = (event) => {
    event.preventDefault();
    const name = new FormData(event.currentTarget).get('name')?.toString().trim();
    if (name) location.hash = `#/functions/${seg(name)}`;
  };
  return html`<form class="card inline-form" onSubmit=${open}>
    <h2>Open a function</h2>
    <label>Name <input name="name" required maxlength="63" /></label>
    <button type="submit">Open</button>
  </form>`;
}
