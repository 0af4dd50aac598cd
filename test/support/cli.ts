import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './services';

export const CLI = path.join(REPO_ROOT, 'dist', 'cli', 'pyfaas.js');

export interface CliResult {
  code: number | null;
  output: string;
}

export interface CliProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<CliResult>;
}

/** Starts the built `pyfaas` CLI with only the given PYFAAS_* variables added. */
export function startCli(args: string[], env: NodeJS.ProcessEnv): CliProcess {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, output })));
  return { child, output: () => output, exited };
}

/** Runs the CLI to completion. */
export function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return startCli(args, env).exited;
}
