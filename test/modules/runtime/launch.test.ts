import { realpathSync } from 'node:fs';
import { InputError } from '../../../common/errors';
import { nodePath, python3Path } from '../../../modules/runtime/interpreters';
import { nodeLaunch, parseNodeHandler } from '../../../modules/runtime/node/launch';
import { parsePythonHandler, pythonLaunch } from '../../../modules/runtime/python/launch';

describe('parsePythonHandler', () => {
  it('splits module and function', () => {
    expect(parsePythonHandler('main.handler')).toEqual({ file: 'main.py', module: 'main', exportName: 'handler' });
    expect(parsePythonHandler('pkg.sub.fn')).toEqual({ file: 'pkg/sub.py', module: 'pkg.sub', exportName: 'fn' });
  });

  it.each(['handler', 'main.', '.handler', 'main.handler()', '../x.handler', 'my-mod.handler', '1main.handler', 'main..handler'])(
    'rejects %p with an InputError',
    (handler) => {
      expect(() => parsePythonHandler(handler)).toThrow(InputError);
      expect(() => parsePythonHandler(handler)).toThrow(/module\.function/);
    },
  );
});

describe('parseNodeHandler', () => {
  it('maps file and export, assuming .js', () => {
    expect(parseNodeHandler('index.handler')).toEqual({ file: 'index.js', module: '/var/task/index.js', exportName: 'handler' });
    expect(parseNodeHandler('src/app.handler')).toEqual({ file: 'src/app.js', module: '/var/task/src/app.js', exportName: 'handler' });
    expect(parseNodeHandler('app.cjs.main')).toEqual({ file: 'app.cjs', module: '/var/task/app.cjs', exportName: 'main' });
  });

  it.each(['index', 'index.', '/etc/passwd.handler', '../up.handler', 'src/../x.handler', 'app.mjs.handler', 'app.ts.handler', 'index.my-fn'])(
    'rejects %p with an InputError',
    (handler) => {
      const attempt = () => parseNodeHandler(handler);
      expect(attempt).toThrow(InputError);
      try {
        attempt();
      } catch (err) {
        expect((err as InputError).code).toBe('INVALID_INPUT');
      }
    },
  );
});

describe('launch specs', () => {
  it('start the system python, never a version-manager shim, with the code on PYTHONPATH', () => {
    const spec = pythonLaunch(parsePythonHandler('pkg.main.handler'), { memoryMb: 128 });
    expect(spec.command).toBe(realpathSync('/usr/bin/python3'));
    expect(spec.command).toBe(python3Path());
    expect(spec.command).not.toMatch(/pyenv|shims/);
    expect(spec.args).toEqual(['-B', '/opt/pyfaas/shim.py', 'pkg.main', 'handler']);
    expect(spec.env.PYTHONPATH).toBe('/var/task/.deps:/var/task');
  });

  it('start the same node as the worker with the heap at ~75% of the memory limit', () => {
    const spec = nodeLaunch(parseNodeHandler('index.handler'), { memoryMb: 256 });
    expect(spec.command).toBe(nodePath());
    expect(spec.args).toEqual(['--max-old-space-size=192', '/opt/pyfaas/shim.js', '/var/task/index.js', 'handler']);
    expect(spec.env).toEqual({ NODE_PATH: '/var/task/node_modules' });
  });
});
