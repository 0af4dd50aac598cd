// @ts-check
/**
 * Runs this package through the PyFaaS module harness (`pyfaas module check`): the checks
 * the platform makes before it installs a module, and the kind's behavioural checks.
 * PYFAAS_CLI names PyFaaS's dist/cli/pyfaas.js when `pyfaas` is not on PATH.
 */
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const path = require('node:path');

test('passes the PyFaaS module harness', () => {
  const packageDir = path.join(__dirname, '..');
  const [command, ...prefix] = process.env.PYFAAS_CLI ? [process.execPath, process.env.PYFAAS_CLI] : ['pyfaas'];
  const result = spawnSync(command, [...prefix, 'module', 'check', packageDir, '--json'], { encoding: 'utf8' });
  assert.ifError(result.error); // pyfaas not found: set PYFAAS_CLI=<pyfaas checkout>/dist/cli/pyfaas.js
  assert.ok(result.stdout, `pyfaas module check printed nothing: ${result.stderr}`);
  const report = JSON.parse(result.stdout);
  for (const check of report.checks) assert.ok(check.ok, `${check.name}: ${check.message}`);
  assert.equal(result.status, 0);
});
