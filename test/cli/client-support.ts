import { spawn, type ChildProcess } from 'node:child_process';
import { CLI } from '../support/cli';

export interface ClientRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface ClientOptions {
  home: string;
  env?: Record<string, string>;
  input?: string;
}

export interface RunningClient {
  child: ChildProcess;
  stdout(): string;
  exited: Promise<ClientRun>;
}

/**
 * Starts the built `pyfaas` as a user would: its own HOME (so the login it saves is the
 * test's), no PYFAAS_URL/PYFAAS_TOKEN unless `env` gives them, and `input` on stdin.
 */
export function startClient(args: string[], options: ClientOptions): RunningClient {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: options.home, XDG_CONFIG_HOME: `${options.home}/.config`, NO_COLOR: '1', ...options.env };
  if (!options.env?.PYFAAS_URL) delete env.PYFAAS_URL;
  if (!options.env?.PYFAAS_TOKEN) delete env.PYFAAS_TOKEN;
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin!.end(options.input ?? '');
  const exited = new Promise<ClientRun>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, stdout: () => stdout, exited };
}

/** Runs the built `pyfaas` to its end. */
export function runClient(args: string[], options: ClientOptions): Promise<ClientRun> {
  return startClient(args, options).exited;
}

/** Polls `check` every 100 ms until it is true; throws `what` after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
