import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { seg } from '../api.js';
import { Section, Status, Table } from '../components.js';
import { useApi } from '../hooks.js';
import { duration, when } from '../format.js';
import { InvokeForm } from './invoke-form.js';
import { RecentInvocations } from './recent-invocations.js';

function Overview({ fn }) {
  return html`<dl class="facts" data-testid="function-overview">
    <dt>Status</dt><dd><${Status} value=${fn.activeVersion === null ? 'not deployed' : 'active'} /></dd>
    <dt>Runtime</dt><dd>${fn.runtime}</dd>
    <dt>Handler</dt><dd><code>${fn.handler}</code></dd>
    <dt>Active version</dt><dd>${fn.activeVersion === null ? '—' : `v${fn.activeVersion}`}</dd>
    <dt>Memory / timeout</dt><dd>${fn.memoryMb} MB / ${duration(fn.timeoutMs)}</dd>
    <dt>Concurrency</dt><dd>${fn.maxConcurrency} per instance</dd>
    <dt>Network</dt><dd>${fn.allowNetwork ? 'allowed' : 'none'}</dd>
    <dt>Executor</dt><dd>${fn.executor?.module ?? 'local sandbox pool'}</dd>
    ${fn.description ? html`<dt>Description</dt><dd>${fn.description}</dd>` : ''}
    <dt>Labels</dt><dd>${Object.entries(fn.labels ?? {}).map(([k, v]) => html`<span class="tag">${k}=${v}</span> `)}</dd>
  </dl>`;
}

/**
 * One function: what it is, its versions, aliases, triggers and scaling decisions (each a
 * section that says "not allowed" on its own when the token may not read it), an invoke form
 * and its recent invocations with their logs and Temporal links.
 */
export function FunctionPage({ name, config }) {
  const base = `/v1/functions/${seg(name)}`;
  const fn = useApi(base, 10_000);
  const versions = useApi(`${base}/versions`);
  const aliases = useApi(`${base}/aliases`);
  const triggers = useApi(`/v1/triggers?function=${seg(name)}`);
  const scaling = useApi(`${base}/scaling`, 10_000);
  const [invoked, setInvoked] = useState(0);
  return html`<div>
    <h1 class="page-title" data-testid="function-name">${name}</h1>
    <${Section} title="Overview" what="read this function (function:read)" state=${fn}>${(data) => html`<${Overview} fn=${data} />`}<//>
    <div class="columns">
      <${InvokeForm} name=${name} onInvoked=${() => setInvoked((n) => n + 1)} />
      <${RecentInvocations} name=${name} config=${config} refreshKey=${invoked} />
    </div>
    <${Section} title="Versions" what="read this function's versions (function:read)" state=${versions}>
      ${(data) => html`<${Table} testId="versions-table" columns=${['Version', 'Status', 'Runtime', 'Handler', 'Code hash', 'Created']} empty="No versions."
        rows=${[...data.items].reverse().map((v) => html`<tr>
          <td>v${v.number}</td><td><${Status} value=${v.status} />${v.error ? html` <span class="muted">${v.error}</span>` : ''}</td>
          <td>${v.config.runtime}</td><td><code>${v.config.handler}</code></td><td><code>${v.codeHash.slice(0, 12)}</code></td><td>${when(v.createdAt)}</td>
        </tr>`)} />`}
    <//>
    <div class="columns">
      <${Section} title="Aliases" what="read aliases (alias:read)" state=${aliases}>
        ${(data) => html`<${Table} columns=${['Alias', 'Routes']} empty="No aliases."
          rows=${data.items.map((a) => html`<tr><td>${a.name}</td><td>${a.versions.map((r) => `v${r.version} ${r.weight}%`).join(' · ')}</td></tr>`)} />`}
      <//>
      <${Section} title="Triggers" what="read triggers (trigger:read)" state=${triggers}>
        ${(data) => html`<${Table} columns=${['Trigger', 'Kind', 'State']} empty="No triggers."
          rows=${data.items.map((t) => html`<tr><td>${t.name}</td><td>${t.kind}</td><td><${Status} value=${t.paused ? 'paused' : 'active'} /></td></tr>`)} />`}
      <//>
    </div>
    <${Section} title="Scaling" what="read the scaler's decisions (function:read)" state=${scaling}>
      ${(data) => html`<p>Policy <code>${data.policy.module}</code> · ${data.running ? 'awake' : 'asleep'}</p>
        <${Table} testId="scaling-table" columns=${['At', 'Version', 'Current', 'Desired', 'Mode', 'Reason']} empty="No scaling decisions yet."
          rows=${[...data.decisions].reverse().slice(0, 20).map((d) => html`<tr>
            <td>${when(d.at)}</td><td>${d.version ? `v${d.version}` : '—'}</td><td>${d.current}</td><td>${d.desired}</td><td>${d.mode}</td><td>${d.reason}</td>
          </tr>`)} />`}
    <//>
  </div>`;
}
