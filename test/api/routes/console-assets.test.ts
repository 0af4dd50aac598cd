import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConsoleAssets } from '../../../api/routes/console-assets';

describe('ConsoleAssets', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'console-assets-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('serves the files of its folder with their types and cache rules, and nothing else', () => {
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html>');
    writeFileSync(path.join(dir, 'app-ABC.js'), 'void 0');
    writeFileSync(path.join(dir, 'secret.txt'), 'no');
    mkdirSync(path.join(dir, 'sub'));
    writeFileSync(path.join(dir, 'sub', 'x.js'), 'no');
    const assets = new ConsoleAssets(dir);
    expect(assets.get('index.html')).toMatchObject({ contentType: 'text/html; charset=utf-8', cacheControl: 'no-cache' });
    expect(assets.get('app-ABC.js')).toMatchObject({ contentType: 'text/javascript; charset=utf-8', cacheControl: 'public, max-age=31536000, immutable' });
    for (const name of ['secret.txt', '../index.html', 'sub/x.js', '.env', 'missing.js']) {
      expect(() => assets.get(name)).toThrow(expect.objectContaining({ code: 'NOT_FOUND', status: 404 }));
    }
  });

  it('says how to build the console when it was not built', () => {
    expect(() => new ConsoleAssets(path.join(dir, 'none')).get('index.html')).toThrow(expect.objectContaining({ code: 'CONSOLE_NOT_BUILT', status: 503, message: expect.stringContaining('npm run build') }));
  });
});
