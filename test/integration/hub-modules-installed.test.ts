import { createHmac, randomUUID } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportSPKI, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { silentLogger } from '../../common/logger';
import { startLambdaEmulator, type LambdaEmulator } from '../../infra/provision';
import { generateSigningKey, signModuleDir } from '../../modules/hub/signature';
import { npmAgainstHub } from '../support/hub';
import { REPO_DATA_DIR, REPO_ROOT } from '../support/services';
import { functionName, startTestPyFaaS, waitForInvocation, type TestPyFaaS } from '../support/pyfaas';

const work = mkdtempSync(path.join(os.tmpdir(), 'hub-modules-'));
const publisher = generateSigningKey();
/** The five modules PyFaaS publishes through its hub (hub-modules/), by package directory. */
const MODULES = ['scaling-rate', 'worker-aws-lambda', 'worker-pyfaas-remote', 'trigger-github-webhook', 'auth-jwt'];
const ECHO = { inline: 'def handler(event, context):\n    return {"echo": event}\n' };

/**
 * The repo's five hub modules, each published by a module developer with the npm CLI,
 * signed, installed by the admin with POST /v1/modules (nothing put into the registry by the
 * test), and then used the way a user would.
 */
describe('the five hub modules: published, installed from the hub, working', () => {
  let pyfaas: TestPyFaaS;
  let emulator: LambdaEmulator;
  const installs: Record<string, any> = {};

  beforeAll(async () => {
    const handlerDir = path.join(work, 'lambda');
    cpSync(path.join(REPO_ROOT, 'hub-modules'), path.join(work, 'packages'), { recursive: true });
    mkdirSync(handlerDir);
    writeFileSync(path.join(handlerDir, 'app.py'), 'def handler(event, context):\n    return {"ranIn": "lambda", "event": event}\n');
    emulator = await startLambdaEmulator({ dataDir: REPO_DATA_DIR, handlerDir, handler: 'app.handler', timeoutSeconds: 5, logger: silentLogger() });
    pyfaas = await startTestPyFaaS({ database: 'sqlite', hub: true });
    const developer = (await pyfaas.request('POST', '/v1/tokens', { name: 'module developer', role: 'module-developer' })).body.token;
    expect((await pyfaas.request('PUT', '/v1/policies/module', { trustedKeys: [{ name: 'PyFaaS', publicKey: publisher.publicKeyPem }] })).status).toBe(200);
    for (const dir of MODULES) {
      const packageDir = path.join(work, 'packages', dir);
      await signModuleDir(packageDir, publisher.privateKeyPem);
      expect(await npmAgainstHub(work, pyfaas.hub!.url, developer, ['publish'], packageDir)).toMatchObject({ code: 0 });
      const pkg = require(path.join(packageDir, 'package.json'));
      const installed = await pyfaas.request('POST', '/v1/modules', { package: pkg.name, version: pkg.version });
      expect({ dir, status: installed.status, error: installed.body.error }).toEqual({ dir, status: 201, error: undefined });
      installs[`${pkg.pyfaas.kind}/${pkg.pyfaas.id}`] = installed.body;
    }
  }, 600_000);

  afterAll(async () => {
    await pyfaas?.close();
    await emulator?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('lists all five as hub modules, each signed by the trusted publisher', async () => {
    const modules = (await pyfaas.request('GET', '/v1/modules')).body.items.filter((m: any) => m.source === 'hub');
    expect(modules.map((m: any) => `${m.kind}/${m.id}`).sort()).toEqual(['auth/jwt', 'scaling/rate', 'trigger/github-webhook', 'worker/aws-lambda', 'worker/pyfaas-remote']);
    for (const m of modules) expect(m.signerKeyId).toBe(publisher.keyId);
    const everywhere = Object.values(installs).map((i) => i.everywhereMs);
    // eslint-disable-next-line no-console
    console.log(`record → serving on every process, ms: ${everywhere.join(', ')}`);
  });

  it('scaling/rate: a function may be switched to it, with its params validated', async () => {
    const name = functionName('rated');
    const bad = await pyfaas.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code: ECHO, scaling: { module: 'rate', params: {} } });
    expect(bad.status).toBe(400);
    const good = await pyfaas.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code: ECHO, scaling: { module: 'rate', params: { targetRatePerInstance: 5 } } });
    expect(good.status).toBe(201);
  });

  it('worker/aws-lambda: the attempt runs on the Lambda runtime interface emulator', async () => {
    const name = functionName('on-lambda');
    expect((await pyfaas.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code: ECHO, executor: { module: 'aws-lambda', options: { endpoint: emulator.url } } })).status).toBe(201);
    const invoked = await pyfaas.request('POST', `/v1/functions/${name}/invoke`, { n: 1 });
    expect(invoked.body).toMatchObject({ status: 'succeeded', result: { ranIn: 'lambda', event: { n: 1 } } });
  });

  it('worker/pyfaas-remote: the attempt runs on a PyFaaS API with an invoker token there', async () => {
    const target = functionName('target');
    expect((await pyfaas.request('POST', '/v1/functions', { name: target, runtime: 'python3', handler: 'main.handler', code: ECHO })).status).toBe(201);
    const token = (await pyfaas.request('POST', '/v1/tokens', { name: 'federation', role: 'invoker' })).body.token;
    const proxy = functionName('proxy');
    const created = await pyfaas.request('POST', '/v1/functions', {
      name: proxy, runtime: 'python3', handler: 'main.handler', code: ECHO, executor: { module: 'pyfaas-remote', options: { url: pyfaas.url, token, functionName: target } },
    });
    expect(created.status).toBe(201);
    const invoked = await pyfaas.request('POST', `/v1/functions/${proxy}/invoke`, { n: 2 });
    expect(invoked.body).toMatchObject({ status: 'succeeded', result: { echo: { n: 2 } } });
  });

  it('trigger/github-webhook: a signed delivery runs the bound function', async () => {
    const fn = functionName('hooked');
    expect((await pyfaas.request('POST', '/v1/functions', { name: fn, runtime: 'python3', handler: 'main.handler', code: ECHO })).status).toBe(201);
    const secret = `secret-${randomUUID()}`;
    const trigger = functionName('gh');
    expect((await pyfaas.request('POST', '/v1/triggers', { name: trigger, kind: 'github-webhook', function: fn, config: { secret } })).status).toBe(201);
    const body = JSON.stringify({ ref: 'refs/heads/main' });
    const delivered = await pyfaas.request('POST', `/hooks/${trigger}`, body, {
      authorization: '', 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': randomUUID(),
      'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    });
    expect(delivered.status).toBe(202);
    const done = await waitForInvocation(pyfaas, delivered.headers.get('x-pyfaas-invocation-id')!);
    expect(done).toMatchObject({ status: 'succeeded', result: { echo: { event: 'push', payload: { ref: 'refs/heads/main' } } } });
    const forged = await pyfaas.request('POST', `/hooks/${trigger}`, body, { authorization: '', 'x-github-event': 'push', 'x-hub-signature-256': 'sha256=00' });
    expect(forged.status).toBe(401);
  });

  it('auth/jwt: the auth policy switched to it accepts the identity provider\'s JWTs', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const policy = await pyfaas.request('PUT', '/v1/policies/auth', { module: 'jwt', options: { publicKey: await exportSPKI(publicKey as KeyLike), issuer: 'https://idp.test', audience: 'pyfaas' } });
    expect(policy.status).toBe(200);
    const jwt = await new SignJWT({ pyfaas_role: 'invoker' }).setProtectedHeader({ alg: 'ES256' }).setIssuer('https://idp.test').setAudience('pyfaas').setSubject('dana').setExpirationTime('5m').sign(privateKey);
    const me = await pyfaas.request('GET', '/v1/whoami', undefined, { authorization: `Bearer ${jwt}` });
    expect(me).toMatchObject({ status: 200, body: { role: 'invoker', via: 'jwt' } });
    const inUse = await pyfaas.request('DELETE', '/v1/modules/auth/jwt');
    expect(inUse.body.error).toMatchObject({ code: 'MODULE_IN_USE', details: { users: ['policy:auth'] } });
    expect((await pyfaas.request('PUT', '/v1/policies/auth', { module: 'tokens' })).status).toBe(200);
    expect((await pyfaas.request('DELETE', '/v1/modules/auth/jwt')).status).toBe(200);
  });
});
