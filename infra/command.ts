import { spawn, type SpawnOptions } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { SetupError } from '../common/errors';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Kill the command and fail after this many milliseconds. */
  timeoutMs?: number;
  uid?: number;
  gid?: number;
  /** Receives each line the command prints, as it prints it. */
  onLine?: (line: string) => void;
}

export interface RunResult {
  code: number;
  output: string;
}

/** Finds an executable on PATH (or checks an absolute path); undefined when absent. */
export function findExecutable(name: string, envPath = process.env.PATH ?? ''): string | undefined {
  const candidates = name.includes('/') ? [name] : envPath.split(path.delimiter).map((dir) => path.join(dir, name));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

/** Like findExecutable, but a missing tool is a SetupError naming how to get it. */
export function requireExecutable(name: string, howToGet: string): string {
  const found = findExecutable(name);
  if (!found) throw new SetupError(`${name} is not installed or not on PATH: ${howToGet}.`);
  return found;
}

/**
 * Runs a command to completion and returns its exit code and combined output (the last
 * 64 KiB). Throws a SetupError only when the command cannot start or times out; a non-zero
 * exit is returned for the caller to word.
 */
export function runCommand(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const spawnOptions: SpawnOptions = {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    uid: options.uid,
    gid: options.gid,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, spawnOptions);
    let output = '';
    let partial = '';
    const collect = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output = (output + text).slice(-65536);
      if (!options.onLine) return;
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) options.onLine(line);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    let timedOut = false;
    const timer = options.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, options.timeoutMs)
      : undefined;
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      reject(new SetupError(`Could not start ${command}: ${err.message}.`));
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (timedOut) {
        const seconds = Math.round((options.timeoutMs ?? 0) / 1000);
        reject(new SetupError(`${path.basename(command)} ${args.join(' ')} did not finish within ${seconds} s; is the network or registry it needs answering?`));
        return;
      }
      resolve({ code: code ?? (signal ? 128 : 1), output });
    });
  });
}

/** The last few non-empty lines of a command's output, for an error message. */
export function tail(output: string, lines = 5): string {
  return output
    .split('\n')
    .map((line) => line.trimEnd())
    .filter(Boolean)
    .slice(-lines)
    .join('\n');
}
