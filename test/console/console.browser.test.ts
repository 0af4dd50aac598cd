import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createLogger } from '../../common/logger';
import { ensureChromium } from '../../infra/provision';
import { functionName, startTestPyFaaS, type TestPyFaaS } from '../support/pyfaas';
import { REPO_DATA_DIR, REPO_ROOT } from '../support/services';

/** Where this run's screenshots go (docs/console/*.png are copies of them). */
const SHOTS = path.join(REPO_DATA_DIR, 'test-runs', `console-${new Date().toISOString().replace(/[:.]/g, '-')}`);
const HOSTILE = '<img src=x onerror="window.__pwned=1">';
const ECHO_PY = 'def handler(event, context):\n    print("got", event["hello"])\n    return {"echo": event}\n';

describe('the web console, in a real chromium', () => {
  let pyfaas: TestPyFaaS;
  let browser: Browser;
  const fn = functionName('console');
  const problems: string[] = [];

  beforeAll(async () => {
    const executablePath = await ensureChromium(createLogger({ level: 'info', name: 'console-test' }));
    // The bundle is part of `npm run build`; build it here too so the test also runs on its own.
    execFileSync(process.execPath, [path.join(REPO_ROOT, 'console', 'build.mjs')], { stdio: 'pipe' });
    mkdirSync(SHOTS, { recursive: true });
    pyfaas = await startTestPyFaaS({ database: 'sqlite', hub: true });
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await pyfaas?.close();
  });

  /** A fresh tab (its own sessionStorage) that records CSP refusals and uncaught errors. */
  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && /Content Security Policy|Refused to/i.test(msg.text())) problems.push(`console: ${msg.text()}`);
    });
    return page;
  }

  async function logIn(page: Page, token: string): Promise<void> {
    await page.goto(pyfaas.url);
    await page.fill('input[name=token]', token);
    await page.click('button[type=submit]');
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

  it('serves the page and its bundles under a strict CSP, without credentials, and nothing else from its folder', async () => {
    const index = await fetch(`${pyfaas.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const csp = index.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    const html = await index.text();
    const script = /src="\/console\/(app-[A-Z0-9]+\.js)"/.exec(html)![1];
    const bundle = await fetch(`${pyfaas.url}/console/${script}`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('cache-control')).toContain('immutable');
    for (const bad of ['/console/missing.js', '/console/..%2F..%2Fpackage.json', '/console/.env', '/console/app.js']) {
      const refused = await fetch(`${pyfaas.url}${bad}`);
      expect(refused.status).toBe(404);
    }
  });

  it('refuses a wrong token at login', async () => {
    const page = await newPage();
    await logIn(page, 'pyf_not-a-real-token');
    await page.getByTestId('login-error').waitFor();
    expect(await page.getByTestId('login-error').textContent()).toContain('The API refused this token');
    expect(await page.evaluate("sessionStorage.getItem('pyfaas.token')")).toBeNull();
    await shot(page, 'login-refused');
    await page.context().close();
  });

  it('as the admin: deploys from the form, invokes it, and shows the invocation with its logs', async () => {
    const page = await newPage();
    await logIn(page, pyfaas.adminToken);
    await page.getByTestId('who').waitFor();
    expect(await page.getByTestId('who').textContent()).toContain('admin');
    await page.click('text=New function');
    await page.fill('input[name=name]', fn);
    await page.fill('textarea[name=code]', ECHO_PY);
    await shot(page, 'new-function');
    await page.click('button[type=submit]');
    await page.getByTestId('function-overview').waitFor({ timeout: 120_000 });
    expect(await page.getByTestId('function-name').textContent()).toBe(fn);
    expect(await page.getByTestId('function-overview').textContent()).toContain('v1');

    await page.fill('textarea[name=event]', JSON.stringify({ hello: HOSTILE }));
    await page.getByRole('button', { name: 'Invoke' }).click();
    const outcome = page.getByTestId('invoke-outcome');
    await outcome.waitFor({ timeout: 60_000 });
    expect(await outcome.textContent()).toContain('succeeded');
    // The hostile text is shown as text: never parsed into an element, never run.
    expect(await page.getByTestId('invoke-result').textContent()).toContain(HOSTILE.replace(/"/g, '\\"'));
    expect(await outcome.getByTestId('logs').textContent()).toContain(`got ${HOSTILE}`);
    expect(await page.locator('img[src=x]').count()).toBe(0);
    expect(await page.evaluate('window.__pwned')).toBeUndefined();

    // Temporal visibility lists it within a few seconds; the list re-reads every 5 s.
    const row = page.getByTestId('invocation-row').first();
    await row.waitFor({ timeout: 30_000 });
    expect(await row.textContent()).toContain('succeeded');
    const link = await row.getByTestId('temporal-link').getAttribute('href');
    const invocationId = (await row.locator('code').textContent())!;
    expect(link).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/namespaces/default/workflows/${invocationId}$`));
    await row.getByText('Logs').click();
    const details = page.getByTestId('invocation-details');
    await details.waitFor();
    expect(await details.textContent()).toContain(`got ${HOSTILE}`);
    await page.getByTestId('scaling-table').or(page.getByText('No scaling decisions yet.')).first().waitFor();
    await shot(page, 'function');

    await page.click('nav >> text=Functions');
    const listed = page.getByTestId('function-row').filter({ hasText: fn });
    await listed.waitFor();
    expect(await listed.textContent()).toContain('active');
    expect(await listed.locator('.sparkline canvas').count()).toBe(1);
    await shot(page, 'functions');

    await page.click('nav >> text=Nodes');
    await page.getByTestId('nodes-table').waitFor();
    expect(await page.getByTestId('nodes-table').textContent()).toContain('test-node');
    await shot(page, 'nodes');

    await page.click('nav >> text=Modules');
    await page.getByTestId('modules-table').waitFor();
    expect(await page.getByTestId('modules-table').textContent()).toContain('kpa');
    await page.fill('input[name=q]', 'pyfaas');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByTestId('hub-table').or(page.getByText('Nothing in the hub matches.')).first().waitFor();
    await shot(page, 'modules');

    await page.click('nav >> text=Metrics');
    const table = page.getByTestId('metrics-table');
    await table.filter({ hasText: fn }).waitFor();
    // Each pair of reads 5 s apart makes a point: invoke between them so the charts have a line.
    for (let i = 0; i < 6; i++) {
      await pyfaas.request('POST', `/v1/functions/${fn}/invoke`, { hello: `load ${i}` });
      await new Promise((r) => setTimeout(r, 1_000));
    }
    // (Polled from here: the page's CSP refuses the string eval waitForFunction would need.)
    for (let tries = 0; Number(await page.getByTestId('points').textContent()) < 3; tries++) {
      if (tries > 60) throw new Error('the metrics charts did not get 3 points in 30 s');
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(await page.locator('.chart canvas').count()).toBe(2);
    await shot(page, 'metrics');
    await page.context().close();
    expect(problems).toEqual([]);
  }, 240_000);

  it('as an invoker scoped to one function: sees and invokes it, and "not allowed" elsewhere', async () => {
    const created = await pyfaas.request('POST', '/v1/tokens', { name: 'console-invoker', role: 'invoker', functions: { names: [fn] } });
    expect(created.status).toBe(201);
    const page = await newPage();
    await logIn(page, created.body.token);
    await page.getByTestId('scoped-functions').waitFor();
    expect(await page.getByTestId('not-allowed').first().textContent()).toContain('Not allowed');
    await page.getByTestId('scoped-functions').getByText(fn).click();
    await page.getByTestId('function-name').waitFor();
    expect(await page.getByTestId('not-allowed').first().textContent()).toContain('read this function');
    await page.fill('textarea[name=event]', JSON.stringify({ hello: 'from the invoker' }));
    await page.getByRole('button', { name: 'Invoke' }).click();
    await page.getByTestId('invoke-outcome').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('invoke-result').textContent()).toContain('from the invoker');
    // Its own invocation only: the admin's is not listed to it.
    const rows = page.getByTestId('invocation-row');
    await rows.first().waitFor({ timeout: 30_000 });
    expect(await rows.count()).toBe(1);
    await shot(page, 'invoker-function');
    for (const [nav, what] of [['Nodes', 'read nodes'], ['Metrics', 'read metrics']]) {
      await page.click(`nav >> text=${nav}`);
      await page.getByTestId('not-allowed').filter({ hasText: what }).waitFor();
    }
    await shot(page, 'invoker-not-allowed');
    await page.context().close();
    expect(problems).toEqual([]);
  }, 180_000);
});
