import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api, ApiError, saveToken } from '../api.js';

/** Asks for an API token and proves it with GET /v1/whoami before keeping it. */
export function LoginPage({ onLogin, notice }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState(notice);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    const value = token.trim();
    if (!value) return setError('Paste an API token (pyf_…).');
    setBusy(true);
    setError(undefined);
    try {
      const principal = await api('GET', '/v1/whoami', undefined, { token: value });
      saveToken(value);
      onLogin(principal);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? `The API refused this token: ${err.message}` : `Could not log in: ${err.message}`);
    } finally {
      setBusy(false);
    }
  };
  return html`<main class="login">
    <form class="card login-card" onSubmit=${submit}>
      <h1>PyFaaS console</h1>
      <p class="muted">Log in with an API token. It is kept for this tab only (sessionStorage) and sent as a bearer header.</p>
      <label>API token<input name="token" type="password" autocomplete="off" spellcheck="false" value=${token} onInput=${(e) => setToken(e.currentTarget.value)} autofocus /></label>
      ${error ? html`<div class="error" role="alert" data-testid="login-error">${error}</div>` : ''}
      <button type="submit" disabled=${busy}>${busy ? 'Checking…' : 'Log in'}</button>
    </form>
  </main>`;
}
