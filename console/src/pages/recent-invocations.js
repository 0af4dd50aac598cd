import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { seg } from '../api.js';
import { ErrorBox, Section, Status, Table } from '../components.js';
import { useApi } from '../hooks.js';
import { duration, when } from '../format.js';
import { Logs } from './logs.js';

/** `<Temporal UI>/namespaces/<ns>/workflows/<invocationId>`: an invocation id is its workflow id. */
export function temporalLink(config, invocationId) {
  if (!config) return undefined;
  return `${config.temporalUi.url}/namespaces/${seg(config.temporalUi.namespace)}/workflows/${seg(invocationId)}`;
}

/** Start to end as visibility records it, when the list has no handler duration. */
function elapsed(inv) {
  const ms = Date.parse(inv.finishedAt ?? '') - Date.parse(inv.startedAt ?? '');
  return Number.isFinite(ms) ? ms : undefined;
}

/** One invocation's details (logs, result, error), read when its row is opened. */
function InvocationDetails({ id }) {
  const detail = useApi(`/v1/invocations/${seg(id)}`);
  if (detail.loading) return html`<p class="muted">Loading…</p>`;
  if (detail.error) return html`<${ErrorBox} error=${detail.error} />`;
  const view = detail.data;
  return html`<div class="details" data-testid="invocation-details">
    ${view.error ? html`<div class="error"><strong>${view.error.type}</strong>: ${view.error.message}</div>` : ''}
    <p class="muted">Attempts ${view.attempts ?? '—'} · node ${view.nodeId ?? '—'} · trigger ${view.trigger ?? '—'}</p>
    <${Logs} logs=${view.logs} />
  </div>`;
}

/** The function's newest invocations (those this token may see), each opening to its logs. */
export function RecentInvocations({ name, config, refreshKey }) {
  const list = useApi(`/v1/invocations?function=${seg(name)}&limit=20`, 5_000);
  const [open, setOpen] = useState(undefined);
  useEffect(() => {
    if (refreshKey) list.reload();
  }, [refreshKey]);
  return html`<${Section} title="Recent invocations" what="list this function's invocations (invocation:read)" state=${list}>
    ${(page) => html`<${Table} testId="invocations-table" columns=${['Invocation', 'Status', 'Started', 'Duration', 'Trigger', '']} empty="No invocations yet."
      rows=${page.items.flatMap((inv) => [
        html`<tr key=${inv.invocationId} data-testid="invocation-row">
          <td><code>${inv.invocationId}</code></td><td><${Status} value=${inv.status} /></td><td>${when(inv.startedAt)}</td>
          <td>${duration(inv.durationMs ?? elapsed(inv))}</td><td>${inv.trigger ?? '—'}</td>
          <td class="actions">
            <button type="button" class="link" onClick=${() => setOpen(open === inv.invocationId ? undefined : inv.invocationId)}>${open === inv.invocationId ? 'Hide logs' : 'Logs'}</button>
            ${config ? html` <a href=${temporalLink(config, inv.invocationId)} target="_blank" rel="noopener noreferrer" data-testid="temporal-link">Temporal</a>` : ''}
          </td>
        </tr>`,
        open === inv.invocationId ? html`<tr key=${`${inv.invocationId}-details`}><td colspan="6"><${InvocationDetails} id=${inv.invocationId} /></td></tr>` : null,
      ].filter(Boolean))} />`}
  <//>`;
}
