// @ts-check
/**
 * The runtime's host side on its own: parseHandler, launch and checkSyntax, built with the
 * real PyFaaS kit (the one `context.kit` lends), found beside the pyfaas CLI: PYFAAS_CLI
 * names PyFaaS's dist/cli/pyfaas.js when `pyfaas` is not on PATH. What runs in the sandbox
 * (shim/shim.py) is checked by the harness, which runs example/ there.
 */
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

function pyfaasKit() {
  const onPath = spawnSync('/bin/sh', ['-c', 'command -v pyfaas'], { encoding: 'utf8' }).stdout.trim();
  const cli = process.env.PYFAAS_CLI ?? (onPath ? fs.realpathSync(onPath) : undefined);
  assert.ok(cli, 'pyfaas not found: set PYFAAS_CLI=<pyfaas checkout>/dist/cli/pyfaas.js');
  return require(path.join(path.dirname(cli), '..', 'modules', 'kit')).moduleKit;
}

const kit = pyfaasKit();
const runtime = require('..').create({ kit, logger: undefined, dataDir: os.tmpdir() });

test('parseHandler takes file.function and refuses everything else with a 400', () => {
  assert.deepEqual(runtime.parseHandler('function.handler'), { file: 'function.sh', module: 'function.sh', exportName: 'handler' });
  assert.deepEqual(runtime.parseHandler('my-tool.run_2'), { file: 'my-tool.sh', module: 'my-tool.sh', exportName: 'run_2' });
  for (const bad of ['', 'function', '../x.y', '/etc/passwd.x', 'a.b.c', 'fn.bad-name', 'fn.$(id)', 'fn.2nd', 'f n.handler', 'fn.handler\0']) {
    assert.throws(() => runtime.parseHandler(bad), (/** @type {any} */ err) => err.status === 400 && err.code === 'INVALID_INPUT', `parseHandler(${JSON.stringify(bad)})`);
  }
});

test('launch starts the shim on the host python3 with the file, the function and the frame limit', () => {
  const spec = runtime.launch(runtime.parseHandler('function.handler'), { memoryMb: 128 });
  assert.equal(spec.command, kit.runtime.python3Path());
  assert.ok(path.isAbsolute(spec.command));
  assert.deepEqual(spec.args, ['-I', '-B', `${kit.runtime.SANDBOX_SHIM_DIR}/shim.py`, 'function.sh', 'handler', String(kit.runtime.MAX_FRAME_BYTES)]);
  assert.deepEqual(spec.env, {});
  assert.ok(fs.statSync(path.join(runtime.shimDir, 'shim.py')).isFile());
});

test('checkSyntax passes the example, reports a broken file with its line, and never follows a symlink', async () => {
  assert.deepEqual(await runtime.checkSyntax(path.join(__dirname, '..', 'example')), []);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shell-runtime-test-'));
  try {
    fs.mkdirSync(path.join(dir, 'lib'));
    fs.writeFileSync(path.join(dir, 'lib', 'broken.sh'), 'handler() {\n  echo "never closed"\n');
    fs.writeFileSync(path.join(dir, 'ok.sh'), 'handler() { echo 1; }\n');
    fs.writeFileSync(path.join(dir, 'notes.txt'), '(((\n');
    fs.symlinkSync('/etc/shadow', path.join(dir, 'secret.sh'));
    const issues = await runtime.checkSyntax(dir);
    assert.equal(issues.length, 1, JSON.stringify(issues));
    assert.equal(issues[0].file, 'lib/broken.sh');
    assert.equal(typeof issues[0].line, 'number');
    assert.match(issues[0].message, /end of file|unexpected/i);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('installDependencies has nothing to install', async () => {
  const report = await runtime.installDependencies(os.tmpdir(), os.tmpdir(), undefined);
  assert.equal(report.cached, false);
  assert.equal(typeof report.durationMs, 'number');
});
