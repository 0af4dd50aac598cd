import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { NotAllowed, Section, Table } from '../components.js';
import { useApi } from '../hooks.js';

/** The modules this platform serves (built-in and installed) and a search of the Module Hub. */
export function ModulesPage() {
  const installed = useApi('/v1/modules');
  const [query, setQuery] = useState(undefined);
  const hub = useApi(query === undefined ? null : `/v1/hub/modules?q=${encodeURIComponent(query)}`);
  const search = (e) => {
    e.preventDefault();
    setQuery(new FormData(e.currentTarget).get('q')?.toString() ?? '');
  };
  return html`<div>
    <${Section} title="Modules" what="read modules (module:read)" state=${installed}>
      ${(data) => html`<${Table} testId="modules-table" columns=${['Kind', 'Id', 'Version', 'Source', 'Used by', 'Description']} empty="No modules."
        rows=${data.items.map((m) => html`<tr>
          <td>${m.kind}</td><td>${m.id}</td><td>${m.version}</td><td>${m.source}${m.package ? html` <code>${m.package}</code>` : ''}</td>
          <td>${m.usedBy.length}</td><td>${m.description}</td>
        </tr>`)} />`}
    <//>
    <section class="card">
      <header class="card-head"><h2>Module Hub</h2></header>
      <form class="inline-form" onSubmit=${search}>
        <input name="q" placeholder="Search the hub (name, description, keywords)" aria-label="Search the hub" />
        <button type="submit">Search</button>
      </form>
      ${query === undefined ? '' : hub.loading ? html`<p class="muted">Searching…</p>` : hub.error?.status === 403
        ? html`<${NotAllowed} what="search the hub (module:read)" error=${hub.error} />`
        : hub.error ? html`<div class="error" role="alert">${hub.error.message}</div>`
        : html`<${Table} testId="hub-table" columns=${['Package', 'Kind', 'Id', 'Latest', 'Description']} empty="Nothing in the hub matches."
            rows=${hub.data.items.map((m) => html`<tr><td><code>${m.package}</code></td><td>${m.kind}</td><td>${m.id}</td><td>${m.version}${m.deprecated ? ' (deprecated)' : ''}</td><td>${m.description}</td></tr>`)} />`}
    </section>
  </div>`;
}
