import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../../common/logger';
import { freePort, isListening } from '../../../infra/ports';
import { HUB_GUARD_HEADER, startHubServer } from '../../../infra/services/hub-server';

describe('startHubServer (a real Verdaccio)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hub-server-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves guarded by verdaccio-pyfaas: every answer says so, and nothing but the ping is open', async () => {
    const port = await freePort();
    const hub = await startHubServer({ dir: path.join(dir, 'ok'), logDir: path.join(dir, 'logs'), host: '127.0.0.1', port, apiUrl: 'http://127.0.0.1:1' }, silentLogger());
    try {
      const ping = await fetch(`http://127.0.0.1:${port}/-/ping`);
      expect(ping.status).toBe(200);
      expect(ping.headers.get(HUB_GUARD_HEADER)).toBe('verdaccio-pyfaas');
      const adduser = await fetch(`http://127.0.0.1:${port}/-/user/org.couchdb.user:eve`, {
        method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'eve', password: 'eve' }),
      });
      expect(adduser.status).toBe(401);
    } finally {
      await hub.stop();
    }
    expect(await isListening(port)).toBe(false);
  });

  it('refuses to serve when its auth plugin does not load (Verdaccio would fall back to htpasswd accounts)', async () => {
    const port = await freePort();
    // An API URL the plugin rejects makes its constructor throw, so Verdaccio loads its default auth instead.
    const start = startHubServer({ dir: path.join(dir, 'broken'), logDir: path.join(dir, 'logs'), host: '127.0.0.1', port, apiUrl: 'not a url' }, silentLogger());
    await expect(start).rejects.toMatchObject({ code: 'SETUP_FAILED', message: expect.stringContaining('started without its PyFaaS auth plugin') });
    expect(await isListening(port)).toBe(false);
  });
});
