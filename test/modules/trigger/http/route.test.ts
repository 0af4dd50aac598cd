import { InputError } from '../../../../common/errors';
import { httpTrigger, parseHttpConfig } from '../../../../modules/trigger/http';
import {
  compareSpecificity,
  compileTemplate,
  matchTemplate,
  parseTemplate,
  requestSegments,
  routeConflict,
} from '../../../../modules/trigger/http/route';
import type { Trigger } from '../../../../modules/trigger/contract';
import type { HttpTriggerConfig } from '../../../../modules/trigger/http';

function problems(path: string): string[] {
  const parsed = parseTemplate(path);
  return 'problems' in parsed ? parsed.problems : [];
}

describe('parseTemplate', () => {
  it('parses literals, params and a greedy last segment', () => {
    expect(compileTemplate('/orders/{id}/items/{rest+}')).toEqual([
      { type: 'literal', value: 'orders' },
      { type: 'param', name: 'id' },
      { type: 'literal', value: 'items' },
      { type: 'greedy', name: 'rest' },
    ]);
    expect(compileTemplate('/')).toEqual([]);
  });

  it('says what is wrong with a bad template', () => {
    expect(problems('orders')).toEqual(['must start with /']);
    expect(problems('/a//b')).toEqual(['must not have empty segments (// or a trailing /)']);
    expect(problems('/a/')).toEqual(['must not have empty segments (// or a trailing /)']);
    expect(problems('/{id}/{id}')).toEqual(['parameter {id} appears twice']);
    expect(problems('/{rest+}/x')).toEqual(['greedy parameter {rest+} must be the last segment']);
    expect(problems('/file-{name}.json')[0]).toMatch(/must be a literal or a whole \{param\}/);
    expect(problems('/a b')[0]).toMatch(/may only hold letters, digits/);
    expect(problems('/a/../b')).toEqual(['segment ".." is not allowed']);
    expect(problems(`/${'a'.repeat(600)}`)).toEqual(['must be at most 512 characters']);
    expect(problems('/{1x}')[0]).toMatch(/whole \{param\}/);
  });
});

describe('requestSegments', () => {
  it('decodes segments below /t and ignores a trailing slash', () => {
    expect(requestSegments('/t')).toEqual([]);
    expect(requestSegments('/t/')).toEqual([]);
    expect(requestSegments('/t/a/b%20c/')).toEqual(['a', 'b c']);
    expect(requestSegments('/t/a%2Fb')).toEqual(['a/b']);
  });

  it('refuses paths no route can match', () => {
    expect(requestSegments('/tx')).toBeUndefined();
    expect(requestSegments('/v1/t')).toBeUndefined();
    expect(requestSegments('/t/a//b')).toBeUndefined();
    expect(requestSegments('/t/%E0%A4%A')).toBeUndefined();
  });
});

describe('matchTemplate', () => {
  const match = (template: string, path: string) => matchTemplate(compileTemplate(template), requestSegments(path)!);

  it('binds params and takes the rest of the path into a greedy one', () => {
    expect(match('/orders/{id}', '/t/orders/42')).toEqual({ id: '42' });
    expect(match('/orders/{id}', '/t/orders/42/x')).toBeUndefined();
    expect(match('/orders/{id}', '/t/orders')).toBeUndefined();
    expect(match('/files/{rest+}', '/t/files/a/b/c.txt')).toEqual({ rest: 'a/b/c.txt' });
    expect(match('/files/{rest+}', '/t/files')).toBeUndefined();
    expect(match('/', '/t')).toEqual({});
  });

  it('matches literals case-sensitively', () => {
    expect(match('/Orders', '/t/orders')).toBeUndefined();
  });
});

describe('compareSpecificity', () => {
  it('puts literals before params before greedy params', () => {
    const templates = ['/{rest+}', '/orders/{id}', '/orders/new', '/{a}/new', '/orders/{rest+}'];
    const sorted = [...templates].sort((a, b) => compareSpecificity(compileTemplate(a), compileTemplate(b)));
    expect(sorted).toEqual(['/orders/new', '/orders/{id}', '/orders/{rest+}', '/{a}/new', '/{rest+}']);
  });
});

describe('routeConflict', () => {
  it('finds same-shape routes with overlapping methods', () => {
    expect(routeConflict({ method: 'GET', path: '/orders/{id}' }, { method: 'GET', path: '/orders/{key}' })).toBe(
      'GET /t/orders/{id} and GET /t/orders/{key} would answer the same requests',
    );
    expect(routeConflict({ method: 'ANY', path: '/a' }, { method: 'DELETE', path: '/a' })).toBeDefined();
  });

  it('lets a literal and a param, different methods, or different lengths coexist', () => {
    expect(routeConflict({ method: 'GET', path: '/orders/new' }, { method: 'GET', path: '/orders/{id}' })).toBeUndefined();
    expect(routeConflict({ method: 'GET', path: '/orders/{id}' }, { method: 'POST', path: '/orders/{id}' })).toBeUndefined();
    expect(routeConflict({ method: 'GET', path: '/orders/{id}' }, { method: 'GET', path: '/orders/{rest+}' })).toBeUndefined();
  });
});

describe('the http trigger kind', () => {
  const kind = httpTrigger.create({} as never)({} as never);
  const trigger = (name: string, config: Partial<HttpTriggerConfig>): Trigger<HttpTriggerConfig> =>
    ({ name, config: parseHttpConfig({ method: 'GET', path: '/x', ...config }) }) as Trigger<HttpTriggerConfig>;

  it('parses a config: method uppercase, auth api-key and mode sync by default', () => {
    expect(kind.parseConfig({ method: 'post', path: '/orders/{id}' })).toEqual({ method: 'POST', path: '/orders/{id}', auth: 'api-key', mode: 'sync' });
    expect(kind.parseConfig({ method: 'any', path: '/', auth: 'public', mode: 'async' })).toEqual({ method: 'ANY', path: '/', auth: 'public', mode: 'async' });
  });

  it('lists every bad field under config.', () => {
    let error: unknown;
    try {
      kind.parseConfig({ method: 'FETCH', path: '/a//{x}/{x}', auth: 'none', extra: 1 });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InputError);
    const paths = ((error as InputError).details!.issues as Array<{ path: string }>).map((issue) => issue.path);
    expect(paths).toEqual(expect.arrayContaining(['config.method', 'config.path', 'config.auth', 'config']));
    expect((error as Error).message).toMatch(/config\.method: must be one of GET, POST/);
    expect((error as Error).message).toMatch(/config\.path: must not have empty segments.*config\.path: parameter \{x\} appears twice/);
    expect(() => kind.parseConfig({ path: '/a' })).toThrow(/config\.method/);
  });

  it('asks for an API key unless public, and reports conflicts', () => {
    expect(kind.needsApiKey!(kind.parseConfig({ method: 'GET', path: '/a' }))).toBe(true);
    expect(kind.needsApiKey!(kind.parseConfig({ method: 'GET', path: '/a', auth: 'public' }))).toBe(false);
    expect(kind.conflict!(trigger('a', { path: '/o/{id}' }), trigger('b', { path: '/o/{k}', method: 'ANY' }))).toMatch(/same requests/);
    expect(kind.conflict!(trigger('a', { path: '/o/new' }), trigger('b', { path: '/o/{k}' }))).toBeUndefined();
  });
});
