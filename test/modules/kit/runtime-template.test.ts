import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeFromTemplate } from '../../../cli/module-commands';
import { FunctionLoadError } from '../../../common/errors';
import { silentLogger } from '../../../common/logger';
import { loadModulePackage } from '../../../modules/package';
import { ModuleRegistry } from '../../../modules/registry';
import type { RuntimeModule } from '../../../modules/runtime/contract';
import { LocalPool } from '../../../modules/worker/local-pool';
import { functionSpec, removeFunctionDirs, request, writeFunction } from '../worker/fixtures';

/**
 * A module made from the runtime template, as an admin would have it: loaded from its package
 * by the platform's loader, registered in a ModuleRegistry, and run by the real LocalPool in
 * the bubblewrap sandbox.
 */
describe('the runtime template (POSIX shell), registered and run by the LocalPool', () => {
  let root: string;
  let registry: ModuleRegistry;
  let pool: LocalPool;

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'pyfaas-shell-runtime-'));
    const dir = path.join(root, 'pyfaas-runtime-shell');
    await writeFromTemplate('runtime', { id: 'shell', name: 'pyfaas-runtime-shell', dir });
    registry = new ModuleRegistry({ logger: silentLogger(), dataDir: root });
    registry.install(await loadModulePackage(dir), { type: 'hub', package: 'pyfaas-runtime-shell', integrity: 'sha512-test' });
    pool = new LocalPool({ runtimes: (id) => (registry.has('runtime', id) ? registry.get<RuntimeModule>('runtime', id) : undefined), logger: silentLogger() });
  });
  afterAll(async () => {
    await pool.close();
    removeFunctionDirs();
    await fs.rm(root, { recursive: true, force: true });
  });

  const shellSpec = (source: string, handler = 'function.handler') => functionSpec(writeFunction({ 'function.sh': source }), { runtime: 'shell', handler });

  it('runs a shell function: the event on stdin, the context in PYFAAS_* variables, JSON stdout as the result, stderr as the log', async () => {
    const spec = shellSpec(
      [
        'handler() {',
        '  event=$(cat)',
        '  echo "got $event" >&2',
        '  printf \'{"event":%s,"id":"%s","fn":"%s","deadlineAhead":%s}\\n\' "$event" "$PYFAAS_INVOCATION_ID" "$PYFAAS_FUNCTION_NAME" "$([ "$PYFAAS_DEADLINE_MS" -gt "$(($(date +%s) * 1000))" ] && echo true || echo false)"',
        '}',
      ].join('\n'),
    );
    const first = request({ n: 1, text: 'héllo' });
    const cold = await pool.invoke(spec, first);
    expect(cold).toMatchObject({ status: 'succeeded', coldStart: true, result: { event: { n: 1, text: 'héllo' }, id: first.invocationId, fn: spec.functionName, deadlineAhead: true } });
    expect(cold.logs).toEqual({ stdout: '', stderr: 'got {"n":1,"text":"héllo"}\n', truncated: false });
    const warm = await pool.invoke(spec, request({ n: 2 }));
    expect(warm).toMatchObject({ status: 'succeeded', coldStart: false, instanceId: cold.instanceId, result: { event: { n: 2 } } });
  });

  it('maps a non-zero exit to a function error naming the exit code and the last stderr line, keeping the logs and the warm instance', async () => {
    const spec = shellSpec('handler() {\n  echo "partial output"\n  echo "connecting" >&2\n  echo "cannot reach the database" >&2\n  exit 3\n}\nok() { echo plain text; }\n');
    const failed = await pool.invoke(spec, request());
    expect(failed).toMatchObject({
      status: 'failed',
      error: { type: 'NonZeroExit', message: 'The shell function exited with code 3: cannot reach the database' },
      logs: { stdout: 'partial output\n', stderr: 'connecting\ncannot reach the database\n', truncated: false },
    });
    const after = await pool.invoke(spec, request());
    expect(after).toMatchObject({ status: 'failed', coldStart: false, instanceId: failed.instanceId });
  });

  it('returns text that is not JSON as a string, and refuses to start a handler the file does not define', async () => {
    const text = await pool.invoke(shellSpec('say() { echo "plain text, not JSON"; }\n', 'function.say'), request());
    expect(text).toMatchObject({ status: 'succeeded', result: 'plain text, not JSON' });
    const notQuiteJson = await pool.invoke(shellSpec('handler() { echo NaN; }\n'), request());
    expect(notQuiteJson).toMatchObject({ status: 'succeeded', result: 'NaN' });
    const missing = pool.invoke(shellSpec('say() { echo hi; }\n', 'function.handler'), request());
    await expect(missing).rejects.toThrow(FunctionLoadError);
    await expect(missing).rejects.toThrow(/HandlerNotFound: function\.sh defines no shell function handler/);
    await expect(pool.invoke(shellSpec('handler() {\n  echo "never closed"\n'), request())).rejects.toThrow(/defines no shell function handler \(sourcing it said: .*Syntax error/);
  });

  it('lets no caller see what the previous one left: files in /tmp and /dev/shm are gone, background processes killed', async () => {
    const spec = shellSpec(
      [
        'handler() {',
        '  case "$(cat)" in',
        '    *leave*) echo secret > /tmp/secret; mkdir -p /tmp/d/e; echo x > /dev/shm/shared; sleep 300 & echo left ;;',
        '    *) echo "tmp=[$(ls -A /tmp)] shm=[$(ls -A /dev/shm)] sleeping=$(cat /proc/[0-9]*/comm 2>/dev/null | grep -cx sleep)" ;;',
        '  esac',
        '}',
      ].join('\n'),
    );
    const started = Date.now();
    const leaving = await pool.invoke(spec, request({ leave: true }));
    expect(leaving).toMatchObject({ status: 'succeeded', result: 'left' });
    expect(Date.now() - started).toBeLessThan(3000); // the background sleep holding stdout did not hold the answer
    // The same warm instance (a process left running would have retired it): the shim cleaned up itself.
    const next = await pool.invoke(spec, request({}));
    expect(next).toMatchObject({ status: 'succeeded', coldStart: false, instanceId: leaving.instanceId, result: 'tmp=[] shm=[] sleeping=0' });
  });

  it('passes a 1 MiB event on stdin and takes a 1 MiB result from stdout', async () => {
    const event = { blob: 'x'.repeat(1024 * 1024), tail: 'ünïcode' };
    const outcome = await pool.invoke(shellSpec('handler() { cat; }\n'), request(event));
    expect(outcome.status).toBe('succeeded');
    expect(outcome.result).toEqual(event);
  });

  it('caps the captured stderr at 256 KiB and says it truncated', async () => {
    const outcome = await pool.invoke(shellSpec('handler() { head -c 300000 /dev/zero | tr "\\0" "e" >&2; echo "{}"; }\n'), request());
    expect(outcome).toMatchObject({ status: 'succeeded', result: {}, logs: { truncated: true } });
    expect(outcome.logs.stderr).toHaveLength(256 * 1024);
  });
});
