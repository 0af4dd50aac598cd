import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../common/paths';
import { packageOf, summarizeProfile } from '../../bench/cpuprofile';

describe('CPU profile summary (npm run bench:profile)', () => {
  it('names where a frame comes from: a package, a PyFaaS folder, Node, V8', () => {
    expect(packageOf('file:///app/node_modules/@temporalio/worker/lib/worker.js', 'run')).toBe('@temporalio/worker');
    expect(packageOf('/app/node_modules/koa/node_modules/debug/src/index.js', 'debug')).toBe('debug');
    expect(packageOf(`file://${path.join(PACKAGE_ROOT, 'dist', 'modules', 'worker', 'pool.js')}`, 'invoke')).toBe('pyfaas/modules');
    expect(packageOf('node:internal/streams/readable', 'read')).toBe('node internals');
    expect(packageOf('', '(garbage collector)')).toBe('(garbage collector)');
    expect(packageOf('', 'writev')).toBe('(native)');
  });

  it('counts only the samples inside the window, without idle time', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cpuprofile-'));
    const file = path.join(dir, 'p.cpuprofile');
    const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0 });
    writeFileSync(file, JSON.stringify({
      nodes: [{ id: 1, callFrame: frame('(root)') }, { id: 2, callFrame: frame('(idle)') }, { id: 3, callFrame: frame('run', '/x/node_modules/koa/a.js') }, { id: 4, callFrame: frame('parse', '/x/node_modules/knex/b.js') }],
      startTime: 1000,
      // Samples at 1000, 2000, 3000, 4000, 5000 µs; each lasts until the next.
      samples: [3, 4, 2, 3, 4, 3],
      timeDeltas: [0, 1000, 1000, 1000, 1000, 1000],
    }));
    try {
      const summary = summarizeProfile(file, 1500, 4500); // samples at 2000 (knex), 3000 (idle), 4000 (koa)
      expect(summary.busyMs).toBe(2);
      expect(summary.byPackage).toEqual([['knex', 1], ['koa', 1]]);
      expect(summary.byFunction.map(([name]) => name)).toEqual(['parse b.js:1 [knex]', 'run a.js:1 [koa]']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
