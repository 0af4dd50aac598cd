import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CliError, EXIT } from './exit-codes';

/** What `pyfaas login` saves: the API's base URL and a token for it. */
export interface ClientConfig {
  url: string;
  token: string;
}

/** Where the login lives: $XDG_CONFIG_HOME/pyfaas/config.json, else ~/.config/pyfaas/config.json. */
export function configFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(env.HOME || os.homedir(), '.config');
  return path.join(base, 'pyfaas', 'config.json');
}

/**
 * Checks and normalises an API URL (no trailing slash). Throws CliError (usage) for anything
 * but an http(s) URL: the token would otherwise go wherever the string points.
 */
export function normaliseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError('USAGE', `${JSON.stringify(value)} is not a URL; give the API's base URL, e.g. http://localhost:8080.`, EXIT.usage);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError('USAGE', `The API URL must be http:// or https:// (got ${url.protocol}).`, EXIT.usage);
  if (url.username || url.password) throw new CliError('USAGE', 'The API URL must not hold credentials; the token travels as a bearer token.', EXIT.usage);
  return url.toString().replace(/\/+$/, '');
}

/**
 * Reads the saved login, or undefined when there is none. Throws CliError (auth) when the
 * file is readable or writable by others (its token may have leaked, its URL may have been
 * redirected) or is not the JSON login writes.
 */
export function readSavedConfig(file = configFile()): ClientConfig | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return undefined;
  }
  if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
    throw new CliError('CONFIG_INSECURE', `${file} is readable or writable by others (mode ${(stat.mode & 0o777).toString(8)}); run chmod 600 ${file}, and pyfaas login again if others may have read the token.`, EXIT.auth);
  }
  let parsed: Partial<ClientConfig>;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<ClientConfig>;
  } catch (err) {
    throw new CliError('CONFIG_INVALID', `${file} is not valid JSON (${(err as Error).message}); run pyfaas login again.`, EXIT.auth);
  }
  if (typeof parsed?.url !== 'string' || typeof parsed.token !== 'string') {
    throw new CliError('CONFIG_INVALID', `${file} lacks url or token; run pyfaas login again.`, EXIT.auth);
  }
  return { url: parsed.url, token: parsed.token };
}

/**
 * The login a command uses: PYFAAS_URL and PYFAAS_TOKEN override the saved one, field by
 * field. Throws CliError NOT_LOGGED_IN (auth) when neither gives both.
 */
export function resolveConfig(env: NodeJS.ProcessEnv = process.env): ClientConfig {
  const saved = env.PYFAAS_URL && env.PYFAAS_TOKEN ? undefined : readSavedConfig(configFile(env));
  const url = env.PYFAAS_URL || saved?.url;
  const token = env.PYFAAS_TOKEN || saved?.token;
  if (!url || !token) {
    throw new CliError('NOT_LOGGED_IN', 'Not logged in: run pyfaas login --url <api> --token-stdin, or set PYFAAS_URL and PYFAAS_TOKEN.', EXIT.auth);
  }
  return { url: normaliseUrl(url), token };
}

/** Saves the login: directory 0700, file 0600, written to a temporary file and renamed. */
export function saveConfig(config: ClientConfig, file = configFile()): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  fs.chmodSync(temp, 0o600);
  fs.renameSync(temp, file);
}

/** Removes the saved login; false when there was none. */
export function deleteConfig(file = configFile()): boolean {
  try {
    fs.unlinkSync(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
