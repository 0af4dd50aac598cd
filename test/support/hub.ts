import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCommand } from '../../infra/command';

export interface NpmResult {
  code: number;
  output: string;
}

/**
 * The real npm CLI with a .npmrc of its own in `work`: the hub as the registry, `token` (if
 * any) as its auth token, and nothing from the npm running jest (npm_config_*) leaking in.
 */
export async function npmAgainstHub(work: string, hubUrl: string, token: string | undefined, args: string[], cwd = work): Promise<NpmResult> {
  const npmrc = path.join(work, `npmrc-${randomUUID().slice(0, 8)}`);
  const host = hubUrl.replace(/^https?:/, '');
  writeFileSync(npmrc, [`registry=${hubUrl}/`, ...(token ? [`${host}/:_authToken=${token}`] : []), ''].join('\n'));
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_config_/i.test(name)));
  try {
    return await runCommand('npm', ['--userconfig', npmrc, '--cache', path.join(work, 'npm-cache'), '--no-audit', '--no-fund', '--loglevel', 'warn', ...args], { cwd, env, timeoutMs: 60_000 });
  } finally {
    rmSync(npmrc, { force: true });
  }
}
