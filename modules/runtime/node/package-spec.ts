import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { InputError, SetupError } from '../../../common/errors';
import { nodePath } from '../interpreters';

/**
 * package.json dependencies accepted only as registry packages: each spec is parsed by npm's
 * own parser (npm-package-arg, bundled with the npm that ships with Node), and only
 * versions, ranges, dist-tags and `npm:` aliases of those pass. git, GitHub shorthand,
 * tarball URLs, `file:` and directory paths, `link:` and `workspace:` are refused: they
 * would fetch from anywhere, or read the host's files. A lock file may only resolve to the
 * registry the installer uses.
 */

const REGISTRY_TYPES = new Set(['version', 'range', 'tag']);
const DEPENDENCY_FIELDS = ['dependencies', 'optionalDependencies'] as const;
/** The only place a lock file's `resolved` may point: the registry the sandboxed npm uses. */
export const NPM_REGISTRY = 'https://registry.npmjs.org/';
const QUOTED_CHARS = 100;
const MAX_REPORTED = 10;

interface Parsed {
  type: string;
  subSpec?: Parsed;
}
type Npa = { resolve(name: string, spec: string, where?: string): Parsed };

let npa: Npa | undefined;

/** npm-package-arg from the npm beside the running Node. Throws SetupError when it is not there. */
function packageArg(): Npa {
  if (npa) return npa;
  const npmDir = path.join(path.dirname(nodePath()), '..', 'lib', 'node_modules', 'npm');
  if (!existsSync(path.join(npmDir, 'package.json'))) throw new SetupError(`npm was not found at ${npmDir}: install the npm that comes with Node.js.`);
  npa = createRequire(path.join(npmDir, 'package.json'))('npm-package-arg') as Npa;
  return npa;
}

function quote(text: string): string {
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, '?');
  return JSON.stringify(clean.length > QUOTED_CHARS ? `${clean.slice(0, QUOTED_CHARS)}…` : clean);
}

/** Why a `name: spec` is refused, or undefined when it names a registry package. */
function specProblem(name: string, spec: unknown): string | undefined {
  if (typeof spec !== 'string') return 'the spec must be a string';
  let parsed: Parsed;
  try {
    // A directory that does not exist: a relative path can never resolve to real files.
    parsed = packageArg().resolve(name, spec, '/nonexistent');
  } catch (err) {
    return `npm cannot parse it (${(err as { code?: string }).code ?? 'invalid'})`;
  }
  const effective = parsed.type === 'alias' ? parsed.subSpec : parsed;
  if (effective && REGISTRY_TYPES.has(effective.type)) return undefined;
  return `${effective?.type ?? parsed.type} specs (git, GitHub, URLs, file:, paths, link:) are not allowed; use a version or range from the registry, such as "^1.2.0"`;
}

/** Every override value must be a registry spec too (or a `$name` reference to a dependency's). */
function overrideProblems(value: unknown, keys: string[], out: string[]): void {
  const at = keys.map((key) => `[${quote(key)}]`).join('');
  if (typeof value === 'string') {
    if (/^\$\S+$/.test(value)) return;
    const name = (keys[keys.length - 1] ?? '').replace(/(.)@[^@/]*$/, '$1') || 'override';
    const problem = specProblem(name, value);
    if (problem) out.push(`overrides${at}: ${problem}: ${quote(value)}`);
    return;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    out.push(`overrides${at}: must be a string or an object`);
    return;
  }
  for (const [key, inner] of Object.entries(value)) overrideProblems(inner, key === '.' ? keys : [...keys, key], out);
}

/**
 * Checks package.json's install fields. Throws InputError naming each refused dependency
 * (its field and name) with the reason, quoting at most ~100 characters of its spec.
 */
export function checkDependencySpecs(fields: Record<string, unknown>): void {
  const problems: string[] = [];
  for (const field of DEPENDENCY_FIELDS) {
    const deps = fields[field];
    if (deps === undefined) continue;
    if (typeof deps !== 'object' || deps === null || Array.isArray(deps)) {
      problems.push(`${field} must be an object`);
      continue;
    }
    for (const [name, spec] of Object.entries(deps)) {
      const problem = specProblem(name, spec);
      if (problem) problems.push(`${field}.${quote(name)}: ${problem}: ${quote(String(spec))}`);
    }
  }
  if (fields.overrides !== undefined) overrideProblems(fields.overrides, [], problems);
  if (problems.length > 0) throw new InputError(`package.json was refused:\n${problems.slice(0, MAX_REPORTED).join('\n')}`);
}

/**
 * Checks a lock file: every package it pins must come from NPM_REGISTRY (no `resolved`
 * elsewhere, no links, no git). Throws InputError naming the first offending entry.
 */
export function checkLockFile(name: string, text: string): void {
  let lock: { packages?: Record<string, { resolved?: unknown; link?: unknown; version?: unknown }>; dependencies?: unknown };
  try {
    lock = JSON.parse(text);
  } catch (err) {
    throw new InputError(`${name} is not valid JSON: ${(err as Error).message}.`);
  }
  if (typeof lock !== 'object' || lock === null) throw new InputError(`${name} must hold a JSON object.`);
  if (lock.packages === undefined && lock.dependencies !== undefined) {
    throw new InputError(`${name} is in the lockfileVersion 1 format, which is not accepted: regenerate it with npm 7 or later.`);
  }
  for (const [where, entry] of Object.entries(lock.packages ?? {})) {
    if (where === '' || typeof entry !== 'object' || entry === null) continue;
    if (entry.link) throw new InputError(`${name}: ${quote(where)} is a link; only packages from the registry are allowed.`);
    if (entry.resolved !== undefined && (typeof entry.resolved !== 'string' || !entry.resolved.startsWith(NPM_REGISTRY))) {
      throw new InputError(`${name}: ${quote(where)} resolves outside the registry: ${quote(String(entry.resolved))}.`);
    }
    if (typeof entry.version === 'string' && /[:/]/.test(entry.version)) {
      throw new InputError(`${name}: ${quote(where)} is not a registry version: ${quote(entry.version)}.`);
    }
  }
}
