import { html } from 'htm/preact';
import { Section, Table } from '../components.js';
import { useApi } from '../hooks.js';
import { when } from '../format.js';

/** The live worker nodes and the function versions each holds warm (GET /v1/nodes). */
export function NodesPage() {
  const nodes = useApi('/v1/nodes', 10_000);
  return html`<${Section} title="Nodes" what="read nodes (node:read)" state=${nodes}>
    ${(data) => html`<${Table} testId="nodes-table" columns=${['Node', 'Capacity', 'Warm', 'Busy', 'Functions', 'Started', 'Last heartbeat']} empty="No live nodes."
      rows=${data.items.map((n) => html`<tr>
        <td>${n.nodeId}</td><td>${n.capacity}</td>
        <td>${n.functions.reduce((sum, f) => sum + f.warm, 0)}</td><td>${n.functions.reduce((sum, f) => sum + f.busy, 0)}</td>
        <td>${n.functions.map((f) => html`<span class="tag">${f.functionName} v${f.version}: ${f.warm} warm, ${f.invocations} calls</span> `)}</td>
        <td>${when(n.startedAt)}</td><td>${when(n.lastHeartbeatAt)}</td>
      </tr>`)} />`}
  <//>`;
}
