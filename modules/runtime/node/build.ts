import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError, SetupError } from '../../../common/errors';
import type { Logger } from '../../../common/logger';
import { findExecutable, runCommand } from '../../../infra/command';
import { installThroughCache, runSandboxedInstaller } from '../../artifacts/deps-cache';
import { sha256 } from '../../artifacts/hash';
import type { DependencyReport, SyntaxIssue } from '../contract';
import { nodePath } from '../interpreters';
import { checkDependencySpecs, checkLockFile, NPM_REGISTRY } from './package-spec';

const SOURCE_FILE = /\.(js|cjs|mjs)$/;
const CHECKS_AT_ONCE = 8;
const MAX_ISSUES = 50;
const LOCK_FILES = ['package-lock.json', 'npm-shrinkwrap.json'];
/** The package.json fields that decide what `npm install --omit=dev` puts in node_modules. */
const INSTALL_FIELDS = ['dependencies', 'optionalDependencies', 'overrides'] as const;

/** Syntax problems of the code's .js/.cjs/.mjs files (node_modules aside), by `node --check` on each. */
export async function checkNodeSyntax(codeDir: string): Promise<SyntaxIssue[]> {
  const files = (await readdir(codeDir, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile() && SOURCE_FILE.test(entry.name))
    .map((entry) => path.relative(codeDir, path.join(entry.parentPath ?? entry.path, entry.name)))
    .filter((file) => !file.split(path.sep).includes('node_modules'))
    .sort();
  const issues: Array<SyntaxIssue | undefined> = [];
  for (let start = 0; start < files.length && issues.filter(Boolean).length < MAX_ISSUES; start += CHECKS_AT_ONCE) {
    issues.push(...(await Promise.all(files.slice(start, start + CHECKS_AT_ONCE).map((file) => checkFile(codeDir, file)))));
  }
  return issues.filter((issue): issue is SyntaxIssue => issue !== undefined).slice(0, MAX_ISSUES);
}

/** Node prints `<path>:<line>`, the source line, a caret, then `SyntaxError: <message>`. */
async function checkFile(codeDir: string, file: string): Promise<SyntaxIssue | undefined> {
  const result = await runCommand(nodePath(), ['--check', file], { cwd: codeDir, timeoutMs: 30_000 });
  if (result.code === 0) return undefined;
  const lines = result.output.split('\n');
  const line = Number(/:(\d+)\s*$/.exec(lines[0])?.[1]) || undefined;
  const message = lines.find((text) => /^\w*Error\b/.test(text))?.trim() ?? lines.filter(Boolean).slice(-1)[0] ?? 'node --check failed';
  return line ? { file, line, message } : { file, message };
}

/**
 * Installs package.json's dependencies into `<codeDir>/node_modules` (replacing any that
 * came with the code) through the cache keyed by those fields, the lock file and the Node
 * version. npm runs in a scratch folder holding only package.json's install fields and the
 * lock, with --ignore-scripts, inside the install sandbox (install-sandbox.ts): uid 65534,
 * only that folder writable, network only outward. Only registry specs are accepted
 * (package-spec.ts). Throws InputError for an unreadable package.json, a refused spec or
 * lock entry, or when npm fails (with npm's last lines), SetupError when npm is missing,
 * the sandbox cannot start or npm times out.
 */
export async function installNodeDependencies(codeDir: string, cacheDir: string, logger: Logger): Promise<DependencyReport> {
  const started = Date.now();
  const manifest = await readInstallFields(codeDir);
  if (!manifest) return { cached: false, durationMs: Date.now() - started };
  const lockName = LOCK_FILES.find((name) => existsSync(path.join(codeDir, name)));
  const lock = lockName ? await readFile(path.join(codeDir, lockName), 'utf8') : '';
  checkDependencySpecs(manifest);
  if (lockName) checkLockFile(lockName, lock);
  const npm = npmCommand();
  return installThroughCache({
    codeDir,
    cacheDir,
    manifest: 'package.json',
    key: sha256('node', process.version, JSON.stringify(manifest), lock),
    from: 'node_modules',
    into: 'node_modules',
    logger,
    build: async (dir) => {
      await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'pyfaas-function-deps', version: '0.0.0', private: true, ...manifest }));
      if (lockName) await writeFile(path.join(dir, lockName), lock);
      await runSandboxedInstaller('npm install', {
        command: npm.command,
        args: [
          ...npm.args, 'install', '--omit=dev', '--no-audit', '--no-fund', '--ignore-scripts', '--no-update-notifier',
          `--registry=${NPM_REGISTRY}`, '--cache=/tmp/npm-cache', '--userconfig=/dev/null', '--cafile=/etc/ssl/certs/ca-certificates.crt',
        ],
        targetDir: dir,
        logger,
        onLine: (text) => logger.debug({ npm: text }),
      });
      if (!existsSync(path.join(dir, 'node_modules'))) throw new InputError('npm install finished but created no node_modules; check the dependencies in package.json.');
    },
  });
}

/** package.json's install fields, or undefined when it is absent or declares no dependencies. */
async function readInstallFields(codeDir: string): Promise<Record<string, unknown> | undefined> {
  const file = path.join(codeDir, 'package.json');
  if (!existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new InputError(`package.json is not valid JSON: ${(err as Error).message}.`);
  }
  if (typeof parsed !== 'object' || parsed === null) throw new InputError('package.json must hold a JSON object.');
  const fields = Object.fromEntries(INSTALL_FIELDS.filter((name) => name in parsed).map((name) => [name, (parsed as Record<string, unknown>)[name]]));
  const declares = (name: string) => Object.keys((fields[name] as object | undefined) ?? {}).length > 0;
  return declares('dependencies') || declares('optionalDependencies') ? fields : undefined;
}

/** The npm that ships with the running Node (same version pairing), else the one on PATH. */
function npmCommand(): { command: string; args: string[] } {
  const bundled = path.join(path.dirname(nodePath()), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
  if (existsSync(bundled)) return { command: nodePath(), args: [bundled] };
  const onPath = findExecutable('npm');
  if (!onPath) throw new SetupError('npm is not installed or not on PATH: install the npm that comes with Node.js to deploy Node.js functions with dependencies.');
  return { command: onPath, args: [] };
}
