import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startTestPyFaaS, type TestPyFaaS } from '../support/pyfaas';
import { REPO_ROOT } from '../support/services';

const run = promisify(execFile);

/** The validator is ESM-only and jest runs CommonJS: it runs in a child node, on a file. */
const VALIDATE = [
  "import { Validator } from '@seriousme/openapi-schema-validator';",
  'const v = new Validator();',
  'const r = await v.validate(process.argv[1]);',
  'console.log(JSON.stringify({ ...r, version: v.version }));',
  'process.exit(r.valid ? 0 : 1);',
].join(' ');

/** The calls README.md's tables name (method, path with its parameters as README spells them). */
const README_CALLS = [
  'POST /v1/functions',
  'GET /v1/functions',
  'GET /v1/functions/{name}',
  'PATCH /v1/functions/{name}',
  'DELETE /v1/functions/{name}',
  'GET /v1/functions/{name}/versions',
  'GET /v1/functions/{name}/versions/{n}',
  'GET /v1/deployments/{id}',
  'POST /v1/functions/{name}/invoke',
  'GET /v1/invocations',
  'GET /v1/invocations/{id}',
  'POST /v1/invocations/{id}/cancel',
  'GET /v1/functions/{name}/scaling',
  'GET /v1/nodes',
  'POST /v1/triggers',
  'GET /v1/triggers',
  'GET /v1/triggers/{name}',
  'PATCH /v1/triggers/{name}',
  'DELETE /v1/triggers/{name}',
  'POST /v1/triggers/{name}/api-key',
  'GET /v1/hub/modules',
  'GET /v1/modules',
  'POST /v1/modules',
  'GET /v1/modules/installations/{id}',
  'GET /v1/modules/{kind}/{id}',
  'DELETE /v1/modules/{kind}/{id}',
  'POST /hooks/{trigger}',
];

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** `/v1/functions/{name}` → `/v1/functions/{}`: parameter names differ between README and the document. */
const shape = (template: string) => template.replace(/\{[^}]*\}/g, '{}');

describe('GET /openapi.json', () => {
  let pyfaas: TestPyFaaS;
  let document: any;
  let operations: Array<{ method: string; path: string; operation: any }>;

  beforeAll(async () => {
    // With a hub of its own: GET /v1/hub/modules answers 503 HUB_UNAVAILABLE without one.
    pyfaas = await startTestPyFaaS({ database: 'sqlite', hub: true });
    const response = await pyfaas.request('GET', '/openapi.json', undefined, { authorization: '' });
    expect(response.status).toBe(200);
    document = response.body;
    operations = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([template, item]) =>
      Object.entries(item)
        .filter(([method]) => METHODS.includes(method))
        .map(([method, operation]) => ({ method, path: template, operation })),
    );
  });
  afterAll(() => pyfaas?.close());

  it('is a valid OpenAPI 3.1 document, served without a credential', async () => {
    expect(document.openapi).toMatch(/^3\.1\./);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'openapi-'));
    try {
      const file = path.join(dir, 'openapi.json');
      writeFileSync(file, JSON.stringify(document, null, 2));
      const outcome = await run(process.execPath, ['--input-type=module', '-e', VALIDATE, file], { cwd: REPO_ROOT }).then(
        ({ stdout }) => ({ code: 0, stdout }),
        (err: { code?: number; stdout?: string; stderr?: string }) => ({ code: err.code ?? -1, stdout: `${err.stdout ?? ''}${err.stderr ?? ''}` }),
      );
      const report = JSON.parse(outcome.stdout.trim().split('\n').pop() || '{}');
      expect({ code: outcome.code, valid: report.valid, errors: report.errors }).toEqual({ code: 0, valid: true, errors: undefined });
      expect(report.version).toBe('3.1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the permission of every operation, and a security requirement on every guarded one', () => {
    expect(operations.length).toBeGreaterThan(30);
    const missing = operations.filter(({ operation }) => typeof operation['x-pyfaas-permission'] !== 'string').map(({ method, path: p }) => `${method} ${p}`);
    expect(missing).toEqual([]);
    const schemes = Object.keys(document.components?.securitySchemes ?? {});
    expect(schemes).toEqual(['bearerAuth']);
    const guarded = operations.filter(({ operation }) => operation['x-pyfaas-permission'] !== 'public');
    const unsecured = guarded.filter(({ operation }) => !(Array.isArray(operation.security) && operation.security.some((s: object) => 'bearerAuth' in s)));
    expect(unsecured.map(({ method, path: p }) => `${method} ${p}`)).toEqual([]);
    const open = operations.filter(({ operation }) => operation['x-pyfaas-permission'] === 'public').map(({ method, path: p }) => `${method} ${p}`);
    expect(open).toEqual(expect.arrayContaining(['get /healthz', 'get /readyz', 'get /openapi.json']));
    expect(open.every((op) => !operations.find((o) => `${o.method} ${o.path}` === op)!.operation.security)).toBe(true);
  });

  it('documents no route the server lacks: each answers with something other than the router 404 or a 405', async () => {
    // What the check looks for really is what a route the server lacks gets.
    const lacking = await pyfaas.request('GET', '/v1/no-such-route');
    expect(lacking.status).toBe(404);
    expect(lacking.body.error.message).toMatch(/^No route for GET \/v1\/no-such-route/);

    const wrong: string[] = [];
    for (const { method, path: template } of operations) {
      const url = template.replace(/\{[^}]+\}/g, 'x');
      const body = ['post', 'put', 'patch'].includes(method) ? {} : undefined;
      const response = await pyfaas.request(method.toUpperCase(), url, body);
      const generic = response.status === 404 && /^No route for /.test(response.body?.error?.message ?? '');
      // A 5xx is no proof of a missing route, but no documented route should answer one to a bad id either.
      if (generic || response.status === 405 || response.status >= 500) {
        wrong.push(`${method.toUpperCase()} ${url} → ${response.status} ${response.body?.error?.code ?? ''}: ${response.body?.error?.message ?? ''}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("documents every call README.md's tables name", () => {
    const documented = new Set(operations.map(({ method, path: p }) => `${method.toUpperCase()} ${shape(p)}`));
    const undocumented = README_CALLS.filter((call) => {
      const [method, p] = call.split(' ');
      return !documented.has(`${method} ${shape(p)}`);
    });
    expect(undocumented).toEqual([]);
  });
});
