import { html } from 'htm/preact';

/** An invocation's captured stdout and stderr, as text. */
export function Logs({ logs }) {
  if (!logs) return html`<p class="muted">No logs captured.</p>`;
  if (!logs.stdout && !logs.stderr) return html`<p class="muted">The function printed nothing.</p>`;
  return html`<div class="logs" data-testid="logs">
    ${logs.stdout ? html`<h3>stdout</h3><pre class="stdout">${logs.stdout}</pre>` : ''}
    ${logs.stderr ? html`<h3>stderr</h3><pre class="stderr">${logs.stderr}</pre>` : ''}
    ${logs.truncated ? html`<p class="muted">Truncated: the platform keeps only the end of long output.</p>` : ''}
  </div>`;
}
