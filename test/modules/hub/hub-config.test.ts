import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../infra/config';
import { ensureHubPlatformToken, hubConfig, HUB_PLUGINS_DIR, writeHubConfig } from '../../../infra/services/hub-server';
import { hubPlatformToken, hubReadinessChecks, hubUrl } from '../../../modules/hub';

describe('the Module Hub configuration', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hub-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const options = { dir: path.join(dir, 'hub'), logDir: path.join(dir, 'logs'), host: '127.0.0.1', port: 4999, apiUrl: 'http://127.0.0.1:8080' };

  it('is a local registry only: no uplinks, no web UI, no audit proxy; a token to read, a publishing role to change', () => {
    const config = hubConfig(options) as any;
    expect(config).toMatchObject({
      storage: path.join(options.dir, 'storage'), plugins: HUB_PLUGINS_DIR, listen: '127.0.0.1:4999',
      uplinks: {}, middlewares: {}, web: { enable: false },
      auth: { pyfaas: { apiUrl: 'http://127.0.0.1:8080', hubUrl: 'http://127.0.0.1:4999', platformTokenFile: path.join(options.dir, 'platform-token') } },
    });
    for (const rule of Object.values(config.packages) as any[]) {
      expect(rule).toEqual({ access: ['$authenticated'], publish: ['admin', 'module-developer'], unpublish: ['admin', 'module-developer'] });
      expect(rule).not.toHaveProperty('proxy');
    }
    const file = writeHubConfig(options);
    expect(file).toBe(path.join(options.dir, 'config.yaml'));
    const text = readFileSync(file, 'utf8');
    expect(JSON.parse(text.slice(text.indexOf('{')))).toEqual(config);
  });

  it('makes the platform credential once (mode 0600) and keeps it across restarts', () => {
    const first = ensureHubPlatformToken(options.dir);
    expect(first).toMatch(/^pyfh_[A-Za-z0-9_-]{43}$/);
    expect(ensureHubPlatformToken(options.dir)).toBe(first);
    expect(statSync(path.join(options.dir, 'platform-token')).mode & 0o777).toBe(0o600);
    const config = loadConfig({ PYFAAS_DATA_DIR: dir });
    expect(hubPlatformToken(config)()).toBe(first);
    expect(hubPlatformToken(loadConfig({ PYFAAS_DATA_DIR: dir, PYFAAS_HUB_TOKEN: 'given' }))()).toBe('given');
  });

  it('finds the hub by PYFAAS_HUB_URL or PYFAAS_HUB_PORT, and checks it in /readyz only when the URL is set', () => {
    expect(hubUrl(loadConfig({ PYFAAS_HUB_PORT: '4999' }))).toBe('http://127.0.0.1:4999');
    expect(hubUrl(loadConfig({ PYFAAS_HUB_URL: 'http://hub.internal:4873' }))).toBe('http://hub.internal:4873');
    expect(Object.keys(hubReadinessChecks(loadConfig({})))).toEqual([]);
    expect(Object.keys(hubReadinessChecks(loadConfig({ PYFAAS_HUB_URL: 'http://127.0.0.1:4999' })))).toEqual(['hub']);
    expect(() => loadConfig({ PYFAAS_HUB_URL: 'ftp://x' })).toThrow('PYFAAS_HUB_URL (hub.url) must be http(s)://host:port');
    expect(() => loadConfig({ PYFAAS_HUB_PORT: '0' })).toThrow('PYFAAS_HUB_PORT (stack.hubPort)');
  });
});
