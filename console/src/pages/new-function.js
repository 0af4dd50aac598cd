import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api, seg } from '../api.js';
import { ErrorBox, NotAllowed } from '../components.js';

const SAMPLE = {
  python3: { handler: 'main.handler', code: 'def handler(event, context):\n    print("got", event)\n    return {"echo": event}\n' },
  node: { handler: 'index.handler', code: 'exports.handler = async (event) => {\n  console.log("got", event);\n  return { echo: event };\n};\n' },
};

/** Deploys a new function from inline code (POST /v1/functions, waiting for the deployment) and opens its page. */
export function NewFunctionPage() {
  const [runtime, setRuntime] = useState('python3');
  const [form, setForm] = useState({ name: '', handler: SAMPLE.python3.handler, code: SAMPLE.python3.code });
  const [state, setState] = useState({ busy: false, error: undefined, steps: undefined });
  const field = (key) => (e) => setForm({ ...form, [key]: e.currentTarget.value });
  const pickRuntime = (e) => {
    const next = e.currentTarget.value;
    setRuntime(next);
    setForm({ ...form, ...SAMPLE[next] });
  };
  const submit = async (e) => {
    e.preventDefault();
    setState({ busy: true, error: undefined, steps: undefined });
    try {
      const created = await api('POST', '/v1/functions', { name: form.name.trim(), runtime, handler: form.handler.trim(), code: { inline: form.code } });
      if (created.deployment?.status === 'failed') {
        setState({ busy: false, error: created.deployment.error ?? { code: 'DEPLOY_FAILED', message: 'The deployment failed.' }, steps: created.deployment.steps });
        return;
      }
      location.hash = `#/functions/${seg(created.function.name)}`;
    } catch (error) {
      setState({ busy: false, error, steps: undefined });
    }
  };
  return html`<section class="card">
    <header class="card-head"><h2>New function</h2></header>
    <form class="new-function" onSubmit=${submit}>
      <label>Name<input name="name" required maxlength="63" pattern="[a-z]([a-z0-9-]*[a-z0-9])?" placeholder="hello" value=${form.name} onInput=${field('name')} /></label>
      <label>Runtime<select name="runtime" value=${runtime} onChange=${pickRuntime}><option value="python3">python3</option><option value="node">node</option></select></label>
      <label>Handler<input name="handler" required value=${form.handler} onInput=${field('handler')} /></label>
      <label>Code<textarea name="code" rows="10" spellcheck="false" value=${form.code} onInput=${field('code')}></textarea></label>
      <button type="submit" disabled=${state.busy}>${state.busy ? 'Deploying… (building and warming the first version)' : 'Deploy'}</button>
    </form>
    ${state.error?.status === 403 ? html`<${NotAllowed} what="create functions (function:create)" error=${state.error} />` : ''}
    ${state.error && state.error.status !== 403 ? html`<${ErrorBox} error=${state.error} />` : ''}
    ${state.steps ? html`<ul>${state.steps.map((s) => html`<li>${s.name}: ${s.status}${s.error ? ` — ${s.error}` : ''}</li>`)}</ul>` : ''}
  </section>`;
}
