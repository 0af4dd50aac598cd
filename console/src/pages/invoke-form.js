import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api, seg } from '../api.js';
import { ErrorBox, NotAllowed, Status } from '../components.js';
import { duration, json } from '../format.js';
import { Logs } from './logs.js';

/** Sends a JSON event to POST /v1/functions/{name}/invoke (sync) and shows the result, error and logs. */
export function InvokeForm({ name, onInvoked }) {
  const [event, setEvent] = useState('{\n  "hello": "world"\n}');
  const [outcome, setOutcome] = useState(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    let body;
    try {
      body = JSON.stringify(JSON.parse(event || 'null'));
    } catch (err) {
      return setOutcome({ error: { code: 'INVALID_JSON', message: `The event is not JSON: ${err.message}` } });
    }
    setBusy(true);
    try {
      setOutcome({ view: await api('POST', `/v1/functions/${seg(name)}/invoke`, body) });
    } catch (error) {
      setOutcome({ error });
    } finally {
      setBusy(false);
      onInvoked?.();
    }
  };
  const view = outcome?.view;
  return html`<section class="card">
    <header class="card-head"><h2>Invoke</h2></header>
    <form onSubmit=${submit}>
      <label>Event (JSON)<textarea name="event" rows="6" spellcheck="false" value=${event} onInput=${(e) => setEvent(e.currentTarget.value)}></textarea></label>
      <button type="submit" disabled=${busy}>${busy ? 'Invoking…' : 'Invoke'}</button>
    </form>
    ${outcome?.error?.status === 403 ? html`<${NotAllowed} what="invoke this function (function:invoke)" error=${outcome.error} />` : ''}
    ${outcome?.error && outcome.error.status !== 403 ? html`<${ErrorBox} error=${outcome.error} />` : ''}
    ${view
      ? html`<div class="outcome" data-testid="invoke-outcome">
          <p><${Status} value=${view.status} /> in ${duration(view.durationMs)}${view.coldStart ? ' (cold start)' : ''} · <code>${view.invocationId}</code></p>
          ${view.error ? html`<div class="error"><strong>${view.error.type}</strong>: ${view.error.message}${view.error.stack ? html`<pre>${view.error.stack}</pre>` : ''}</div>` : ''}
          ${view.status === 'succeeded' ? html`<h3>Result</h3><pre data-testid="invoke-result">${json(view.result)}</pre>` : ''}
          <${Logs} logs=${view.logs} />
        </div>`
      : ''}
  </section>`;
}
