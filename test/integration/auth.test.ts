import { silentLogger } from '../../common/logger';
import { loadConfig } from '../../infra/config';
import { freePort } from '../../infra/ports';
import { PERMISSIONS } from '../../modules/auth/permissions';
import { generateToken } from '../../modules/auth/tokens';
import { startPyFaaS, type RunningPyFaaS } from '../../process/serve';
import { eventually } from '../support/http';
import { functionName, startTestPyFaaS, type TestPyFaaS } from '../support/pyfaas';

const ECHO_PY = 'def handler(event, context):\n    return event\n';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const anonymous = { authorization: '' };

interface CreatedToken {
  token: string;
  id: string;
  principalId: string;
  body: any;
}

async function createToken(pyfaas: TestPyFaaS, input: Record<string, unknown>, as: Record<string, string> = {}): Promise<CreatedToken> {
  const response = await pyfaas.request('POST', '/v1/tokens', input, as);
  if (response.status !== 201) throw new Error(`POST /v1/tokens answered ${response.status}: ${JSON.stringify(response.body)}`);
  return { token: response.body.token, id: response.body.id, principalId: `token:${response.body.id}`, body: response.body };
}

async function deploy(pyfaas: TestPyFaaS, name: string, labels: Record<string, string> = {}): Promise<void> {
  const response = await pyfaas.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code: { inline: ECHO_PY }, labels });
  if (response.status !== 201) throw new Error(`deploying ${name} answered ${response.status}: ${JSON.stringify(response.body)}`);
}

/** Polls an invocation with the given credential until it leaves queued/running. */
async function settled(pyfaas: TestPyFaaS, invocationId: string, as: Record<string, string>, timeoutMs = 60_000): Promise<any> {
  let last: any;
  const done = await eventually(async () => {
    last = await pyfaas.request('GET', `/v1/invocations/${invocationId}`, undefined, as);
    return last.status === 200 && last.body.status !== 'queued' && last.body.status !== 'running';
  }, timeoutMs, 200);
  if (!done) throw new Error(`invocation ${invocationId} did not end: ${JSON.stringify(last?.body)}`);
  return last.body;
}

describe('auth over the HTTP API (meta store: sqlite)', () => {
  let pyfaas: TestPyFaaS;
  /** team=payments */
  let payments: string;
  /** team=ops */
  let ops: string;
  let invoker: CreatedToken;

  beforeAll(async () => {
    pyfaas = await startTestPyFaaS({ database: 'sqlite' });
    payments = functionName('pay');
    ops = functionName('ops');
    await deploy(pyfaas, payments, { team: 'payments' });
    await deploy(pyfaas, ops, { team: 'ops' });
    invoker = await createToken(pyfaas, { name: 'shared-invoker', role: 'invoker' });
  });
  afterAll(() => pyfaas?.close());

  describe('tokens', () => {
    it('shows a new token once, never again, with a hint that tells it apart', async () => {
      const created = await pyfaas.request('POST', '/v1/tokens', { name: 'ci deploy', role: 'admin' });
      expect(created.status).toBe(201);
      const { token, id } = created.body;
      expect(token).toMatch(/^pyf_[0-9A-Za-z]{32}_[0-9A-Za-z]{6}$/);
      expect(created.headers.get('location')).toBe(`/v1/tokens/${id}`);
      expect(created.body).toMatchObject({ name: 'ci deploy', role: 'admin', hint: `pyf_…${token.slice(-6)}`, revokedAt: null, permissions: null, functions: null });

      const one = await pyfaas.request('GET', `/v1/tokens/${id}`);
      expect(one.status).toBe(200);
      expect(one.body).toMatchObject({ id, name: 'ci deploy', hint: `pyf_…${token.slice(-6)}` });
      expect(one.body).not.toHaveProperty('token');
      expect(one.body).not.toHaveProperty('hash');
      const list = await pyfaas.request('GET', '/v1/tokens');
      expect(list.body.items.map((t: any) => t.id)).toContain(id);
      // Neither answer holds the secret anywhere, under any field.
      expect(JSON.stringify(one.body)).not.toContain(token.slice(4, -7));
      expect(JSON.stringify(list.body)).not.toContain(token.slice(4, -7));
      expect(list.body.items.every((t: any) => !('token' in t) && !('hash' in t))).toBe(true);
    });

    it('answers /v1/whoami with each role and its permissions', async () => {
      const expected: Record<string, string[]> = {
        admin: [...PERMISSIONS].sort(),
        'module-developer': ['module:publish', 'module:read'],
        invoker: ['function:invoke', 'invocation:read'],
      };
      for (const [role, permissions] of Object.entries(expected)) {
        const made = await createToken(pyfaas, { name: `who-${role}`, role });
        const who = await pyfaas.request('GET', '/v1/whoami', undefined, bearer(made.token));
        expect(who.status).toBe(200);
        expect(who.body).toEqual({ id: made.principalId, name: `who-${role}`, via: 'tokens', role, permissions, functions: null, expiresAt: null });
      }
      const bootstrap = await pyfaas.request('GET', '/v1/whoami');
      expect(bootstrap.body).toMatchObject({ name: 'bootstrap-admin', role: 'admin', via: 'tokens' });
      expect((await pyfaas.request('GET', '/v1/whoami', undefined, anonymous)).status).toBe(401);
    });

    it('lets an invoker invoke, and read and list only its own invocations', async () => {
      const as = bearer(invoker.token);
      const own = await pyfaas.request('POST', `/v1/functions/${payments}/invoke`, { mine: true }, as);
      expect(own.status).toBe(200);
      expect(own.body).toMatchObject({ status: 'succeeded', result: { mine: true } });
      const admins = await pyfaas.request('POST', `/v1/functions/${payments}/invoke`, { mine: false });
      expect(admins.status).toBe(200);

      const readOwn = await pyfaas.request('GET', `/v1/invocations/${own.body.invocationId}`, undefined, as);
      expect(readOwn.status).toBe(200);
      expect(readOwn.body).toMatchObject({ invocationId: own.body.invocationId, result: { mine: true }, caller: invoker.principalId });
      const adminReads = await pyfaas.request('GET', `/v1/invocations/${admins.body.invocationId}`);
      expect(adminReads.status).toBe(200);
      expect(adminReads.body.caller).toBe((await pyfaas.request('GET', '/v1/whoami')).body.id);
      const readOther = await pyfaas.request('GET', `/v1/invocations/${admins.body.invocationId}`, undefined, as);
      expect(readOther.status).toBe(404);
      expect(readOther.body.error.code).toBe('INVOCATION_NOT_FOUND');

      // Temporal visibility lags a little behind the start: poll until both show for the admin.
      const ids = (page: any) => page.body.items.map((i: any) => i.invocationId);
      expect(await eventually(async () => ids(await pyfaas.request('GET', `/v1/invocations?function=${payments}`)).includes(own.body.invocationId), 10_000)).toBe(true);
      expect(await eventually(async () => ids(await pyfaas.request('GET', `/v1/invocations?function=${payments}`)).includes(admins.body.invocationId), 10_000)).toBe(true);
      for (const query of ['', `?function=${payments}`]) {
        const listed = await pyfaas.request('GET', `/v1/invocations${query}`, undefined, as);
        expect(listed.status).toBe(200);
        expect(ids(listed)).toContain(own.body.invocationId);
        expect(ids(listed)).not.toContain(admins.body.invocationId);
        expect(listed.body.items.every((i: any) => i.caller === invoker.principalId)).toBe(true);
      }
    });

    it('refuses an invoker the function routes, naming the permission it lacks', async () => {
      for (const path of ['/v1/functions', `/v1/functions/${payments}`]) {
        const denied = await pyfaas.request('GET', path, undefined, bearer(invoker.token));
        expect(denied.status).toBe(403);
        expect(denied.body.error).toMatchObject({ code: 'NOT_ALLOWED', details: { permission: 'function:read' } });
      }
    });

    it('narrows a token to the permissions it lists', async () => {
      const narrow = await createToken(pyfaas, { name: 'invoke-only', role: 'invoker', permissions: ['function:invoke'] });
      const who = await pyfaas.request('GET', '/v1/whoami', undefined, bearer(narrow.token));
      expect(who.body.permissions).toEqual(['function:invoke']);
      const invoked = await pyfaas.request('POST', `/v1/functions/${payments}/invoke`, { n: 1 }, bearer(narrow.token));
      expect(invoked.status).toBe(200);
      const read = await pyfaas.request('GET', `/v1/invocations/${invoked.body.invocationId}`, undefined, bearer(narrow.token));
      expect(read.status).toBe(403);
      expect(read.body.error).toMatchObject({ code: 'NOT_ALLOWED', details: { permission: 'invocation:read' } });
    });

    it('confines a label-scoped token to functions carrying the labels', async () => {
      const scoped = await createToken(pyfaas, { name: 'payments-only', role: 'invoker', functions: { labels: 'team=payments' } });
      expect(scoped.body.functions).toEqual({ labels: { team: 'payments' } });
      const inside = await pyfaas.request('POST', `/v1/functions/${payments}/invoke`, { ok: 1 }, bearer(scoped.token));
      expect(inside.status).toBe(200);
      expect(inside.body).toMatchObject({ status: 'succeeded', result: { ok: 1 } });
      const outside = await pyfaas.request('POST', `/v1/functions/${ops}/invoke`, { ok: 2 }, bearer(scoped.token));
      expect(outside.status).toBe(403);
      expect(outside.body.error.code).toBe('FUNCTION_NOT_IN_SCOPE');
    });

    it('refuses a token once it has expired', async () => {
      const expiresAt = new Date(Date.now() + 2000).toISOString();
      const created = await pyfaas.request('POST', '/v1/tokens', { name: 'short-lived', role: 'invoker', expiresAt });
      expect({ status: created.status, error: created.body.error }).toEqual({ status: 201, error: undefined });
      expect(created.body.expiresAt).toBe(expiresAt);
      const as = bearer(created.body.token);
      expect((await pyfaas.request('GET', '/v1/whoami', undefined, as)).status).toBe(200);
      let last: any;
      expect(await eventually(async () => (last = await pyfaas.request('GET', '/v1/whoami', undefined, as)).status === 401, 10_000, 100)).toBe(true);
      expect(last.body.error.code).toBe('TOKEN_EXPIRED');
      expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(expiresAt));
    });

    it('tells a malformed token from an unknown one', async () => {
      const real = generateToken();
      const badChecksum = `${real.slice(0, -1)}${real.endsWith('A') ? 'B' : 'A'}`;
      for (const credential of ['not-a-token', 'pyf_short', badChecksum]) {
        const refused = await pyfaas.request('GET', '/v1/whoami', undefined, bearer(credential));
        expect(refused.status).toBe(401);
        expect(refused.body.error.code).toBe('TOKEN_MALFORMED');
      }
      const unknown = await pyfaas.request('GET', '/v1/whoami', undefined, bearer(generateToken()));
      expect(unknown.status).toBe(401);
      expect(unknown.body.error.code).toBe('TOKEN_UNKNOWN');
    });

    it('refuses a revoked token at once, on the process that revoked it', async () => {
      const doomed = await createToken(pyfaas, { name: 'doomed', role: 'invoker' });
      const as = bearer(doomed.token);
      expect((await pyfaas.request('GET', '/v1/whoami', undefined, as)).status).toBe(200); // now cached
      expect((await pyfaas.request('DELETE', `/v1/tokens/${doomed.id}`)).status).toBe(204);
      const refused = await pyfaas.request('GET', '/v1/whoami', undefined, as);
      expect(refused.status).toBe(401);
      expect(refused.body.error.code).toBe('TOKEN_REVOKED');
      expect((await pyfaas.request('GET', `/v1/tokens/${doomed.id}`)).body.revokedAt).toEqual(expect.any(String));
      expect((await pyfaas.request('GET', '/v1/tokens')).body.items.map((t: any) => t.id)).not.toContain(doomed.id);
      expect((await pyfaas.request('GET', '/v1/tokens?includeRevoked=true')).body.items.map((t: any) => t.id)).toContain(doomed.id);
    });
  });

  describe('health', () => {
    it('shows /readyz details only to callers with a credential; /healthz is open', async () => {
      const open = await pyfaas.request('GET', '/readyz', undefined, anonymous);
      expect(open.status).toBe(200);
      expect(open.body).toEqual({ status: 'ok' });
      const detailed = await pyfaas.request('GET', '/readyz', undefined, bearer(invoker.token));
      expect(detailed.status).toBe(200);
      expect(detailed.body.status).toBe('ok');
      expect(Object.keys(detailed.body.checks).sort()).toEqual(['database', 'kafka', 'objects', 'temporal']);
      const health = await pyfaas.request('GET', '/healthz', undefined, anonymous);
      expect(health.status).toBe(200);
      expect(health.body).toEqual({ status: 'ok' });
    });
  });

  describe('rate limits', () => {
    it("refuses a principal over its rate with 429 and Retry-After, leaves other principals alone, and drops nothing admitted", async () => {
      // An admin with a rate of its own, above the policy's: it changes and restores the policy.
      const headroom = bearer((await createToken(pyfaas, { name: 'rl-admin', role: 'admin', rateLimit: { requestsPerSecond: 1000, burst: 2000 } })).token);
      const limited = await pyfaas.request('PUT', '/v1/policies/auth', { rateLimit: { perPrincipal: { requestsPerSecond: 1, burst: 3 } } }, headroom);
      expect(limited.status).toBe(200);
      expect(limited.body.value.rateLimit.perPrincipal).toEqual({ requestsPerSecond: 1, burst: 3 });
      try {
        const admitted: string[] = [];
        let answers: Array<{ status: number; body: any; headers: Headers }> = [];
        // The policy applies on the change feed's signal; each try uses a fresh principal.
        const refused = await eventually(async () => {
          const fresh = bearer((await createToken(pyfaas, { name: 'rl-fresh', role: 'invoker' }, headroom)).token);
          answers = [await pyfaas.request('POST', `/v1/functions/${payments}/invoke?async=true`, { admitted: true }, fresh)];
          for (let i = 0; i < 3; i++) answers.push(await pyfaas.request('GET', '/v1/whoami', undefined, fresh));
          if (answers[0].status === 202) admitted.push(answers[0].body.invocationId);
          return answers[3].status === 429;
        }, 5000, 100);
        expect(refused).toBe(true);
        expect(answers.map((a) => a.status)).toEqual([202, 200, 200, 429]);
        expect(answers[3].body.error.code).toBe('RATE_LIMITED');
        expect(Number(answers[3].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

        // Another principal's bucket is its own.
        expect((await pyfaas.request('GET', '/v1/functions', undefined, headroom)).status).toBe(200);
        // What was admitted before the limit still runs to the end.
        for (const id of admitted) expect(await settled(pyfaas, id, headroom)).toMatchObject({ status: 'succeeded', result: { admitted: true } });
      } finally {
        const restored = await pyfaas.request('PUT', '/v1/policies/auth', {}, headroom);
        expect(restored.status).toBe(200);
        expect(restored.body.value.rateLimit.perPrincipal).toEqual({ requestsPerSecond: 1000, burst: 2000 });
      }
    });
  });

  describe('rate limits on refused credentials', () => {
    it('counts made-up tokens against the client address, so spraying them ends in 429', async () => {
      const limited = await pyfaas.request('PUT', '/v1/policies/auth', { rateLimit: { anonymousPerAddress: { requestsPerSecond: 1, burst: 5 } } });
      expect(limited.status).toBe(200);
      try {
        const statuses: number[] = [];
        const refused = await eventually(async () => {
          const answer = await pyfaas.request('GET', '/v1/functions', undefined, bearer(generateToken()));
          statuses.push(answer.status);
          return answer.status === 429 && answer.body.error.code === 'RATE_LIMITED';
        }, 5000, 10);
        expect(refused).toBe(true);
        expect(statuses.filter((s) => s === 401).length).toBeGreaterThanOrEqual(5);
        // The admin, a principal, is not limited by its address.
        expect((await pyfaas.request('GET', '/v1/functions')).status).toBe(200);
      } finally {
        expect((await pyfaas.request('PUT', '/v1/policies/auth', {})).status).toBe(200);
      }
    });
  });

  describe('audit', () => {
    it('lists changes and denials newest first, filters and pages them, and leaves invocations out', async () => {
      const newestBefore = (await pyfaas.request('GET', '/v1/audit?limit=1')).body.items[0]?.id ?? 0;
      const tag = `audit-${Date.now()}`;
      const rid = (n: number) => ({ 'x-request-id': `${tag}-${n}` });
      const name = functionName('audited');

      expect((await pyfaas.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code: { inline: ECHO_PY } }, rid(1))).status).toBe(201);
      const created = await pyfaas.request('POST', '/v1/tokens', { name: 'audited-invoker', role: 'invoker' }, rid(2));
      expect(created.status).toBe(201);
      const who = bearer(created.body.token);
      const denied = await pyfaas.request('POST', '/v1/functions', { name: functionName('nope'), runtime: 'python3', handler: 'main.handler', code: { inline: ECHO_PY } }, { ...who, ...rid(3) });
      expect(denied.status).toBe(403);
      expect(denied.headers.get('x-request-id')).toBe(`${tag}-3`);
      for (const n of [91, 92]) expect((await pyfaas.request('POST', `/v1/functions/${name}/invoke`, { n }, { ...who, ...rid(n) })).status).toBe(200);
      expect((await pyfaas.request('DELETE', `/v1/tokens/${created.body.id}`, undefined, rid(4))).status).toBe(204);
      expect((await pyfaas.request('DELETE', `/v1/functions/${name}`, undefined, rid(5))).status).toBe(204);

      const page = await pyfaas.request('GET', '/v1/audit?limit=100');
      expect(page.status).toBe(200);
      const fresh = page.body.items.filter((e: any) => e.id > newestBefore);
      const admin = (await pyfaas.request('GET', '/v1/whoami')).body.id;
      const invokerId = `token:${created.body.id}`;
      expect(fresh.map((e: any) => [e.requestId, e.principalId, e.action, e.method, e.route, e.outcome, e.status])).toEqual([
        [`${tag}-5`, admin, 'function:delete', 'DELETE', '/v1/functions/{name}', 'succeeded', 204],
        [`${tag}-4`, admin, 'token:manage', 'DELETE', '/v1/tokens/{id}', 'succeeded', 204],
        [`${tag}-3`, invokerId, 'function:create', 'POST', '/v1/functions', 'denied', 403],
        [`${tag}-2`, admin, 'token:manage', 'POST', '/v1/tokens', 'succeeded', 201],
        [`${tag}-1`, admin, 'function:create', 'POST', '/v1/functions', 'succeeded', 201],
      ]);
      expect([fresh[0], fresh[1], fresh[3], fresh[4]].map((e: any) => e.resourceName)).toEqual([name, created.body.id, 'audited-invoker', name]);
      expect(fresh[2]).toMatchObject({ principalName: 'audited-invoker', role: 'invoker', errorCode: 'NOT_ALLOWED' });
      expect(fresh.map((e: any) => e.id)).toEqual([...fresh.map((e: any) => e.id)].sort((a: number, b: number) => b - a));
      // Invocations are not changes: neither invoke left an entry.
      expect(page.body.items.some((e: any) => e.requestId === `${tag}-91` || e.requestId === `${tag}-92`)).toBe(false);

      const byAction = (await pyfaas.request('GET', '/v1/audit?action=function:create&limit=500')).body.items;
      expect(byAction.every((e: any) => e.action === 'function:create')).toBe(true);
      expect(byAction.map((e: any) => e.requestId)).toEqual(expect.arrayContaining([`${tag}-1`, `${tag}-3`]));
      const byOutcome = (await pyfaas.request('GET', '/v1/audit?outcome=denied&limit=500')).body.items;
      expect(byOutcome.every((e: any) => e.outcome === 'denied')).toBe(true);
      expect(byOutcome.map((e: any) => e.requestId)).toContain(`${tag}-3`);
      const byPrincipal = await pyfaas.request('GET', `/v1/audit?principal=${encodeURIComponent(invokerId)}`);
      expect(byPrincipal.body.items.map((e: any) => e.requestId)).toEqual([`${tag}-3`]);

      const first = await pyfaas.request('GET', '/v1/audit?limit=1');
      expect(first.body.items.map((e: any) => e.requestId)).toEqual([`${tag}-5`]);
      expect(first.body.next).toEqual(expect.any(String));
      const second = await pyfaas.request('GET', `/v1/audit?limit=1&after=${first.body.next}`);
      expect(second.body.items.map((e: any) => e.requestId)).toEqual([`${tag}-4`]);

      const forbidden = await pyfaas.request('GET', '/v1/audit', undefined, bearer(invoker.token));
      expect(forbidden.status).toBe(403);
      expect(forbidden.body.error).toMatchObject({ code: 'NOT_ALLOWED', details: { permission: 'audit:read' } });
    });
  });

  describe('token defaults of the auth policy', () => {
    it('gives tokens without an expiry the default one and refuses a lifetime over the maximum', async () => {
      const put = await pyfaas.request('PUT', '/v1/policies/auth', { tokens: { expiresInDays: 7, maxLifetimeDays: 30 } });
      expect(put.status).toBe(200);
      try {
        await expect(eventually(async () => {
          const made = await pyfaas.request('POST', '/v1/tokens', { name: 'defaulted', role: 'invoker' });
          return made.status === 201 && made.body.expiresAt !== null;
        }, 5000)).resolves.toBe(true);
        const made = await createToken(pyfaas, { name: 'defaulted-2', role: 'invoker' });
        const days = (Date.parse(made.body.expiresAt) - Date.now()) / 86_400_000;
        expect(days).toBeGreaterThan(6.9);
        expect(days).toBeLessThan(7.1);
        const tooLong = await pyfaas.request('POST', '/v1/tokens', { name: 'forever', role: 'invoker', expiresInDays: 60 });
        expect(tooLong.status).toBe(400);
        expect(tooLong.body.error.message).toContain('at most 30 days');
      } finally {
        expect((await pyfaas.request('PUT', '/v1/policies/auth', {})).status).toBe(200);
      }
    });
  });

  describe('bad input', () => {
    it('refuses a token with a permission outside its role, or an unknown role, and stores nothing', async () => {
      const count = async () => (await pyfaas.request('GET', '/v1/tokens?includeRevoked=true')).body.items.length;
      const before = await count();
      const outside = await pyfaas.request('POST', '/v1/tokens', { name: 'too-much', role: 'invoker', permissions: ['function:invoke', 'function:create'] });
      expect(outside.status).toBe(400);
      expect(outside.body.error.code).toBe('INVALID_INPUT');
      expect(outside.body.error.message).toContain('function:create');
      expect(outside.body.error.message).not.toContain('function:invoke');
      const role = await pyfaas.request('POST', '/v1/tokens', { name: 'who-knows', role: 'superuser' });
      expect(role.status).toBe(400);
      expect(role.body.error.message).toContain('role');
      expect(await count()).toBe(before);
    });
  });
});

describe('revocation across processes (meta store: postgres)', () => {
  let pyfaas: TestPyFaaS;
  let second: RunningPyFaaS | undefined;

  beforeAll(async () => {
    pyfaas = await startTestPyFaaS({ database: 'postgres' });
    second = await startPyFaaS(loadConfig({ ...pyfaas.env, PYFAAS_ROLE: 'api', PYFAAS_API_PORT: String(await freePort()), PYFAAS_NODE_ID: 'api-2' }), silentLogger());
  });
  afterAll(async () => {
    await second?.close();
    await pyfaas?.close();
  });

  it('a token revoked through one process is refused by another within a second', async () => {
    const token = await createToken(pyfaas, { name: 'everywhere', role: 'invoker' });
    const onSecond = async () => {
      const response = await fetch(`${second!.apiUrl}/v1/whoami`, { headers: bearer(token.token) });
      return { status: response.status, body: (await response.json()) as any };
    };
    const accepted = await onSecond();
    expect(accepted.status).toBe(200);
    expect(accepted.body.id).toBe(token.principalId);

    expect((await pyfaas.request('DELETE', `/v1/tokens/${token.id}`)).status).toBe(204);
    const revokedAt = Date.now();
    let last: { status: number; body: any } | undefined;
    expect(await eventually(async () => (last = await onSecond()).status === 401, 3000, 20)).toBe(true);
    const elapsed = Date.now() - revokedAt;
    expect(last!.body.error.code).toBe('TOKEN_REVOKED');
    expect(elapsed).toBeLessThan(1000);
    expect((await pyfaas.request('GET', '/v1/whoami', undefined, bearer(token.token))).body.error.code).toBe('TOKEN_REVOKED');
  });
});
