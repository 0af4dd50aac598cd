import { spawn } from 'node:child_process';
import { CLI } from '../support/cli';

export interface ClientRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built `pyfaas` as a user would: its own HOME (so the login it saves is the test's),
 * no PYFAAS_URL/PYFAAS_TOKEN unless `env` gives them, and `input` on stdin.
 */
export function runClient(args: string[], options: { home: string; env?: Record<string, string>; input?: string }): Promise<ClientRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: options.home, XDG_CONFIG_HOME: `${options.home}/.config`, NO_COLOR: '1', ...options.env };
  if (!options.env?.PYFAAS_URL) delete env.PYFAAS_URL;
  if (!options.env?.PYFAAS_TOKEN) delete env.PYFAAS_TOKEN;
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(options.input ?? '');
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}
