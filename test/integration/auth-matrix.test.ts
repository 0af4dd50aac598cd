import type { RouteSpec } from '../../api/route';
import { ROLE_PERMISSIONS, type Permission } from '../../modules/auth/permissions';
import { startTestPyFaaS, type TestPyFaaS } from '../support/pyfaas';

/** Who calls: the bearer credential each sends (none for anonymous). */
type Caller = 'anonymous' | 'bad token' | 'admin' | 'module-developer' | 'invoker' | 'scoped invoker';
const CALLERS: Caller[] = ['anonymous', 'bad token', 'admin', 'module-developer', 'invoker', 'scoped invoker'];
const MISSING = 'matrix-missing';

/**
 * What the route table says a caller gets: 401 with the code, 403 with the code, or
 * `passes` (the handler's own answer: anything but 401 and 403).
 */
function expected(route: RouteSpec, caller: Caller): { status: 401 | 403; code: string } | 'passes' {
  if (route.access === 'public') return 'passes';
  if (caller === 'anonymous') return { status: 401, code: 'UNAUTHENTICATED' };
  if (caller === 'bad token') return { status: 401, code: 'TOKEN_MALFORMED' };
  if (route.access === 'authenticated') return 'passes';
  const role = caller === 'scoped invoker' ? 'invoker' : caller;
  if (!(ROLE_PERMISSIONS[role] as readonly Permission[]).includes(route.access)) return { status: 403, code: 'NOT_ALLOWED' };
  // The scoped invoker may act on `allowed-fn` only, and every path names MISSING: a route
  // that targets the function its path names refuses it; one acting on no single function
  // refuses it unless it narrows what it lists.
  if (caller === 'scoped invoker' && (route.target ? route.path.includes('{') : !route.scopedMayList)) {
    return { status: 403, code: 'FUNCTION_NOT_IN_SCOPE' };
  }
  return 'passes';
}

/** The Lambda-compatible API answers refusals in Lambda's form (api/routes/lambda-errors.ts): 403 and x-amzn-ErrorType. */
const LAMBDA_REFUSALS: Record<string, string> = {
  UNAUTHENTICATED: 'UnrecognizedClientException', TOKEN_MALFORMED: 'UnrecognizedClientException',
  NOT_ALLOWED: 'AccessDeniedException', FUNCTION_NOT_IN_SCOPE: 'AccessDeniedException',
};

function concretePath(template: string): string {
  return template.replace(/\{[A-Za-z0-9_]+\+?\}/g, MISSING);
}

describe('the auth matrix: every route × every kind of caller answers as the route table says', () => {
  let pyfaas: TestPyFaaS;
  const tokens = new Map<Caller, string | undefined>();

  beforeAll(async () => {
    pyfaas = await startTestPyFaaS({ database: 'sqlite' });
    const token = async (body: object) => {
      const created = await pyfaas.request('POST', '/v1/tokens', body);
      expect(created.status).toBe(201);
      return created.body.token as string;
    };
    tokens.set('anonymous', undefined);
    tokens.set('bad token', 'pyf_not-a-real-token');
    tokens.set('admin', pyfaas.adminToken);
    tokens.set('module-developer', await token({ name: 'matrix-dev', role: 'module-developer' }));
    tokens.set('invoker', await token({ name: 'matrix-invoker', role: 'invoker' }));
    tokens.set('scoped invoker', await token({ name: 'matrix-scoped', role: 'invoker', functions: { names: ['allowed-fn'] } }));
  });
  afterAll(() => pyfaas.close());

  it('covers the whole table', () => {
    const routes = pyfaas.running.routes!;
    expect(routes.length).toBeGreaterThan(30);
    const keys = routes.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('declares the function log as invocation:read, scoped to the function it names', () => {
    const logs = pyfaas.running.routes!.find((r) => r.method === 'get' && r.path === '/v1/functions/{name}/logs');
    expect(logs?.access).toBe('invocation:read');
    expect(logs?.target).toBeDefined();
  });

  it.each(CALLERS)('as %s', async (caller) => {
    const mismatches: string[] = [];
    for (const route of pyfaas.running.routes!) {
      const credential = tokens.get(caller);
      const path = concretePath(route.path);
      const body = route.body ? (route.body.anyJson ? { matrix: true } : {}) : undefined;
      const answer = await pyfaas.request(route.method.toUpperCase(), path, body, { authorization: credential ? `Bearer ${credential}` : '' });
      const want = expected(route, caller);
      const got = `${answer.status} ${answer.body?.error?.code ?? ''}`.trim();
      if (want !== 'passes' && route.path.startsWith('/2015-03-31/')) {
        const type = answer.headers.get('x-amzn-errortype');
        if (answer.status !== 403 || type !== LAMBDA_REFUSALS[want.code]) mismatches.push(`${route.method} ${route.path}: wanted 403 ${LAMBDA_REFUSALS[want.code]}, got ${answer.status} ${type}`);
      } else if (want === 'passes') {
        if (answer.status === 401 || answer.status === 403 || answer.status === 429) mismatches.push(`${route.method} ${route.path}: wanted the handler's answer, got ${got}`);
      } else if (answer.status !== want.status || answer.body?.error?.code !== want.code) {
        mismatches.push(`${route.method} ${route.path}: wanted ${want.status} ${want.code}, got ${got}`);
      } else if (want.code === 'NOT_ALLOWED' && answer.body.error.details?.permission !== route.access) {
        mismatches.push(`${route.method} ${route.path}: the 403 does not name ${route.access}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});
