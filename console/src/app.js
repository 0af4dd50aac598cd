import { html } from 'htm/preact';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import 'uplot/dist/uPlot.min.css';
import './app.css';
import { api, forgetToken, savedToken } from './api.js';
import { useApi, useRoute } from './hooks.js';
import { FunctionPage } from './pages/function.js';
import { FunctionsPage } from './pages/functions.js';
import { LoginPage } from './pages/login.js';
import { MetricsPage } from './pages/metrics.js';
import { ModulesPage } from './pages/modules.js';
import { NewFunctionPage } from './pages/new-function.js';
import { NodesPage } from './pages/nodes.js';

const NAV = [
  ['functions', 'Functions'],
  ['nodes', 'Nodes'],
  ['modules', 'Modules'],
  ['metrics', 'Metrics'],
];

function Page({ route, principal, config }) {
  const [first, second] = route;
  if (first === 'functions' && second) return html`<${FunctionPage} name=${second} config=${config} />`;
  if (first === 'new') return html`<${NewFunctionPage} />`;
  if (first === 'nodes') return html`<${NodesPage} />`;
  if (first === 'modules') return html`<${ModulesPage} />`;
  if (first === 'metrics') return html`<${MetricsPage} />`;
  return html`<${FunctionsPage} principal=${principal} />`;
}

/** The logged-in frame: the navigation, who is logged in, and the page the hash names. */
function Shell({ principal, onLogout }) {
  const route = useRoute();
  const config = useApi('/v1/console/config');
  const current = route[0] === 'new' ? 'functions' : route[0] ?? 'functions';
  return html`<div class="shell">
    <nav class="top">
      <a class="brand" href="#/functions">PyFaaS</a>
      ${NAV.map(([id, label]) => html`<a href=${`#/${id}`} class=${current === id ? 'active' : ''}>${label}</a>`)}
      <span class="spacer"></span>
      <span class="who" data-testid="who">${principal.name} · ${principal.role}</span>
      <button type="button" class="link" onClick=${onLogout}>Log out</button>
    </nav>
    <main><${Page} route=${route} principal=${principal} config=${config.data} /></main>
  </div>`;
}

function App() {
  const [principal, setPrincipal] = useState(undefined);
  const [checking, setChecking] = useState(Boolean(savedToken()));
  const [notice, setNotice] = useState(undefined);
  useEffect(() => {
    api.onUnauthenticated = (message) => {
      forgetToken();
      setPrincipal(undefined);
      setNotice(`Logged out: ${message}`);
    };
    if (!savedToken()) return;
    api('GET', '/v1/whoami').then(setPrincipal, () => forgetToken()).finally(() => setChecking(false));
  }, []);
  if (checking) return html`<p class="muted">Loading…</p>`;
  if (!principal) return html`<${LoginPage} notice=${notice} onLogin=${(p) => { setNotice(undefined); setPrincipal(p); }} />`;
  const logout = () => {
    forgetToken();
    setPrincipal(undefined);
  };
  return html`<${Shell} principal=${principal} onLogout=${logout} />`;
}

render(html`<${App} />`, document.getElementById('app'));
