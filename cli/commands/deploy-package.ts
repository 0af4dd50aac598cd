import fs from 'node:fs';
import path from 'node:path';
import { collectCodeDir } from '../client/code-dir';
import { CliError, EXIT, usageError } from '../client/exit-codes';
import { buildZip, type ZipEntry } from '../client/zip';

/** The settings file a code directory may hold: any field of POST /v1/functions but `code`. */
export const SETTINGS_FILE = 'pyfaas.json';

export interface DeployFlags {
  name?: string;
  runtime?: string;
  handler?: string;
  memory?: string;
  timeout?: string;
  concurrency?: string;
  description?: string;
  env?: string[];
  label?: string[];
  allowNetwork?: boolean;
}

export interface DeployPackage {
  name: string;
  /** Settings named by the user (pyfaas.json, then flags): sent on create and on update. */
  settings: Record<string, unknown>;
  /** Guessed from the files: sent on create only, so an update never changes what was set. */
  guessed: Record<string, unknown>;
  zip: Buffer;
  files: number;
}

function readSettingsFile(dir: string): Record<string, unknown> {
  const file = path.join(dir, SETTINGS_FILE);
  if (!fs.existsSync(file)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CliError('INVALID_SETTINGS', `${file} is not valid JSON: ${(err as Error).message}`, EXIT.refused);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new CliError('INVALID_SETTINGS', `${file} must hold a JSON object.`, EXIT.refused);
  if ('code' in parsed) throw new CliError('INVALID_SETTINGS', `${file} must not hold code: the directory is the code.`, EXIT.refused);
  return parsed as Record<string, unknown>;
}

/** key=value options → an object; throws a usage error naming the option for a pair without `=`. */
function pairs(values: string[] | undefined, option: string): Record<string, string> | undefined {
  if (!values) return undefined;
  return Object.fromEntries(
    values.map((pair) => {
      const at = pair.indexOf('=');
      if (at <= 0) throw usageError(`${option} takes key=value (got ${JSON.stringify(pair)}).`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}

function intFlag(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw usageError(`${option} must be a whole number (got ${JSON.stringify(value)}).`);
  return Number(value);
}

function flagSettings(flags: DeployFlags): Record<string, unknown> {
  const settings: Record<string, unknown> = {
    runtime: flags.runtime,
    handler: flags.handler,
    memoryMb: intFlag(flags.memory, '--memory'),
    timeoutMs: intFlag(flags.timeout, '--timeout'),
    maxConcurrency: intFlag(flags.concurrency, '--concurrency'),
    description: flags.description,
    env: pairs(flags.env, '--env'),
    labels: pairs(flags.label, '--label'),
    allowNetwork: flags.allowNetwork,
  };
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined));
}

/** Runtime and handler from the files when nobody named them: python3 main.handler, nodejs20 index.handler… */
function guess(files: readonly ZipEntry[]): Record<string, unknown> {
  const paths = files.map((file) => file.path);
  const top = (ext: string) => paths.filter((p) => !p.includes('/') && p.endsWith(ext));
  const python = paths.includes('requirements.txt') || paths.some((p) => p.endsWith('.py'));
  const runtime = python ? 'python3' : paths.includes('package.json') || paths.some((p) => /\.[cm]?js$/.test(p)) ? 'nodejs20' : undefined;
  if (!runtime) return {};
  const [ext, preferred] = runtime === 'python3' ? ['.py', 'main.py'] : ['.js', 'index.js'];
  const candidates = top(ext);
  const entry = candidates.includes(preferred) ? preferred : candidates.length === 1 ? candidates[0] : undefined;
  return entry ? { runtime, handler: `${entry.slice(0, -ext.length)}.handler` } : { runtime };
}

/** A function name from a directory or file name: lowercase, [a-z0-9-], starting with a letter. */
function nameFrom(target: string): string {
  const base = path.basename(target, path.extname(target)).toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^[^a-z]+/, '').replace(/-+$/, '');
  return base.slice(0, 63).replace(/-+$/, '');
}

/**
 * Reads what `pyfaas deploy <dir|file>` sends: the code zipped in memory (a file becomes the
 * archive's only entry), pyfaas.json's settings overridden by the flags, and guesses for what
 * neither names. Throws CliError for an unreadable target, a bad pyfaas.json or a symlink
 * leaving the directory, and a usage error when no name can be made.
 */
export function readDeployPackage(target: string, flags: DeployFlags): DeployPackage {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch {
    throw usageError(`${target} does not exist; deploy takes a code directory or a single source file.`);
  }
  const files: ZipEntry[] = stat.isDirectory()
    ? collectCodeDir(target)
    : [{ path: path.basename(target), data: fs.readFileSync(target), executable: (stat.mode & 0o111) !== 0 }];
  const fromFile = stat.isDirectory() ? readSettingsFile(target) : {};
  const { name: fileName, ...fileSettings } = fromFile;
  const name = flags.name ?? (typeof fileName === 'string' ? fileName : nameFrom(stat.isDirectory() ? path.resolve(target) : target));
  if (!name) throw usageError(`Cannot make a function name from ${target}; pass --name.`);
  if (files.length === 0) throw new CliError('CODE_REFUSED', `${target} holds no files to deploy.`, EXIT.refused);
  return { name, settings: { ...fileSettings, ...flagSettings(flags) }, guessed: guess(files), zip: buildZip(files), files: files.length };
}
