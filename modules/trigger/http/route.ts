/**
 * Path templates of HTTP triggers, relative to `/t`: `/orders/{id}`, `/files/{rest+}`. A segment
 * is a literal, a `{param}`, or — last only — a greedy `{param+}` that takes one or more
 * segments (API Gateway's `{proxy+}`). Pure: parsing, matching, ranking and conflicts.
 */

export type Segment = { type: 'literal'; value: string } | { type: 'param'; name: string } | { type: 'greedy'; name: string };

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];
/** A trigger's method: one of HTTP_METHODS, or ANY for all of them. */
export type RouteMethod = HttpMethod | 'ANY';

export const MAX_PATH_LENGTH = 512;
export const MAX_SEGMENTS = 32;

const LITERAL = /^[A-Za-z0-9._~:@!$&'()*+,;=-]+$/;
const PARAM = /^\{([A-Za-z_][A-Za-z0-9_]{0,63})(\+?)\}$/;

/**
 * Parses a template; returns its segments, or the sentences saying what is wrong with it
 * (never throws, so the config schema can list them beside other fields' problems).
 */
export function parseTemplate(path: string): { segments: Segment[] } | { problems: string[] } {
  if (!path.startsWith('/')) return { problems: ['must start with /'] };
  if (path.length > MAX_PATH_LENGTH) return { problems: [`must be at most ${MAX_PATH_LENGTH} characters`] };
  if (path === '/') return { segments: [] };
  const parts = path.slice(1).split('/');
  if (parts.length > MAX_SEGMENTS) return { problems: [`must have at most ${MAX_SEGMENTS} segments`] };
  const problems: string[] = [];
  const segments: Segment[] = [];
  const names = new Set<string>();
  parts.forEach((part, index) => {
    const param = PARAM.exec(part);
    if (part === '') problems.push('must not have empty segments (// or a trailing /)');
    else if (part === '.' || part === '..') problems.push(`segment ${JSON.stringify(part)} is not allowed`);
    else if (param) {
      const [, name, greedy] = param;
      if (names.has(name)) problems.push(`parameter {${name}} appears twice`);
      names.add(name);
      if (greedy && index !== parts.length - 1) problems.push(`greedy parameter {${name}+} must be the last segment`);
      segments.push(greedy ? { type: 'greedy', name } : { type: 'param', name });
    } else if (part.includes('{') || part.includes('}')) {
      problems.push(`segment ${JSON.stringify(part)} must be a literal or a whole {param} of letters, digits and _`);
    } else if (!LITERAL.test(part)) {
      problems.push(`segment ${JSON.stringify(part)} may only hold letters, digits and - . _ ~ : @ ! $ & ' ( ) * + , ; =`);
    } else segments.push({ type: 'literal', value: part });
  });
  return problems.length > 0 ? { problems: [...new Set(problems)] } : { segments };
}

/** Like parseTemplate, for templates already validated; throws Error when one is not. */
export function compileTemplate(path: string): Segment[] {
  const parsed = parseTemplate(path);
  if ('problems' in parsed) throw new Error(`Invalid HTTP route template ${JSON.stringify(path)}: ${parsed.problems.join('; ')}.`);
  return parsed.segments;
}

/**
 * Splits a request path below `/t` into decoded segments: `/t/a/b%20c/` → `['a', 'b c']`.
 * A trailing slash is ignored; undefined when the path is not under `/t`, has an empty
 * segment, or has a malformed percent-escape (no route can match it).
 */
export function requestSegments(path: string): string[] | undefined {
  if (path !== '/t' && !path.startsWith('/t/')) return undefined;
  const rest = path.slice(2).replace(/\/$/, '');
  if (rest === '') return [];
  const parts = rest.slice(1).split('/');
  if (parts.includes('')) return undefined;
  try {
    return parts.map((part) => decodeURIComponent(part));
  } catch {
    return undefined;
  }
}

/** The path parameters when `segments` match the template, else undefined. Literals match case-sensitively. */
export function matchTemplate(template: Segment[], segments: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const part = template[i];
    if (part.type === 'greedy') {
      if (i >= segments.length) return undefined;
      params[part.name] = segments.slice(i).join('/');
      return params;
    }
    if (i >= segments.length) return undefined;
    if (part.type === 'literal' && part.value !== segments[i]) return undefined;
    if (part.type === 'param') params[part.name] = segments[i];
  }
  return template.length === segments.length ? params : undefined;
}

const RANK: Record<Segment['type'], number> = { literal: 0, param: 1, greedy: 2 };

/**
 * Orders templates from most to least specific: at the first position where they differ in
 * kind, a literal beats a param and a param beats a greedy one; then the longer one first.
 * Negative when `a` is more specific.
 */
export function compareSpecificity(a: Segment[], b: Segment[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const difference = RANK[a[i].type] - RANK[b[i].type];
    if (difference !== 0) return difference;
  }
  return b.length - a.length;
}

/**
 * The template with every parameter unnamed, e.g. `/orders/{}`: two templates match exactly the
 * same paths when their shapes are equal (literals hold no braces, so this cannot be ambiguous).
 */
export function shapeOf(template: Segment[]): string {
  return `/${template.map((part) => (part.type === 'literal' ? part.value : part.type === 'param' ? '{}' : '{+}')).join('/')}`;
}

export function methodsOverlap(a: RouteMethod, b: RouteMethod): boolean {
  return a === 'ANY' || b === 'ANY' || a === b;
}

export function methodMatches(route: RouteMethod, method: string): boolean {
  return route === 'ANY' || route === method;
}

/** The methods a route answers, for an Allow header. */
export function methodsOf(route: RouteMethod): readonly HttpMethod[] {
  return route === 'ANY' ? HTTP_METHODS : [route];
}

/**
 * A sentence when two routes cannot coexist: same shape and overlapping methods. Routes that
 * differ only where one has a literal and the other a param do coexist — the literal wins.
 */
export function routeConflict(a: { method: RouteMethod; path: string }, b: { method: RouteMethod; path: string }): string | undefined {
  if (!methodsOverlap(a.method, b.method)) return undefined;
  if (shapeOf(compileTemplate(a.path)) !== shapeOf(compileTemplate(b.path))) return undefined;
  return `${a.method} ${publicPath(a.path)} and ${b.method} ${publicPath(b.path)} would answer the same requests`;
}

/** Where a template is served: `/orders/{id}` → `/t/orders/{id}`. */
export function publicPath(path: string): string {
  return path === '/' ? '/t' : `/t${path}`;
}
