import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SetupError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { tail } from '../command';

export interface ManagedProcessOptions {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  uid?: number;
  gid?: number;
  /** How long a polite stop may take before the process group is killed. */
  stopTimeoutMs?: number;
}

/**
 * A long-running child service (Temporal, Kafka, PostgreSQL, the PyFaaS process) in its own
 * process group, its output appended to a log file. Stopping sends SIGTERM to the group and
 * SIGKILL after a grace period, so nothing it spawned is left behind.
 */
/** How a process ended: its exit code, or the signal that killed it (both null while it runs). */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class ManagedProcess {
  readonly exited: Promise<number | null>;
  private exitCode: number | null | undefined;
  private exitSignal: NodeJS.Signals | null = null;
  private readonly child: ChildProcess;

  private constructor(
    readonly options: ManagedProcessOptions,
    private readonly logger: Logger,
  ) {
    mkdirSync(path.dirname(options.logFile), { recursive: true });
    const fd = openSync(options.logFile, 'a');
    try {
      this.child = spawn(options.command, options.args, {
        cwd: options.cwd,
        env: options.env ?? process.env,
        uid: options.uid,
        gid: options.gid,
        detached: true,
        stdio: ['ignore', fd, fd],
      });
    } finally {
      closeSync(fd);
    }
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? null : code);
        this.exitSignal = signal;
        resolve(this.exitCode);
      });
      this.child.once('error', (err) => {
        this.logger.error({ service: options.name, err }, `${options.name} could not start`);
        this.exitCode = -1;
        resolve(-1);
      });
    });
  }

  static start(options: ManagedProcessOptions, logger: Logger): ManagedProcess {
    return new ManagedProcess(options, logger);
  }

  get name(): string {
    return this.options.name;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** How the process ended; undefined while it runs. */
  get exit(): ProcessExit | undefined {
    return this.exitCode === undefined ? undefined : { code: this.exitCode, signal: this.exitSignal };
  }

  /** The last lines of the service's log, for error messages. */
  logTail(lines = 8): string {
    try {
      return tail(readFileSync(this.options.logFile, 'utf8').slice(-16384), lines);
    } catch {
      return '';
    }
  }

  /**
   * Polls `probe` until it answers true. Throws SetupError, with the log's last lines,
   * when the process exits first or the deadline passes (the process is then stopped).
   */
  async waitUntilHealthy(probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) {
        throw new SetupError(`${this.name} exited during start-up (log: ${this.options.logFile}). Last lines:\n${this.logTail()}`);
      }
      if (await probe().catch(() => false)) return;
      await Promise.race([sleep(250), this.exited]);
    }
    await this.stop();
    throw new SetupError(`${this.name} did not become healthy within ${Math.round(timeoutMs / 1000)} s (log: ${this.options.logFile}). Last lines:\n${this.logTail()}`);
  }

  /** Stops the whole process group: SIGTERM, then SIGKILL after the grace period. */
  async stop(): Promise<void> {
    if (!this.running || this.child.pid === undefined) return;
    const pid = this.child.pid;
    killGroup(pid, 'SIGTERM');
    const graceMs = this.options.stopTimeoutMs ?? 15_000;
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)));
    const stopped = await Promise.race([this.exited.then(() => true), graceOver]);
    clearTimeout(timer);
    if (!stopped) {
      this.logger.warn({ service: this.name, pid }, `${this.name} ignored SIGTERM for ${graceMs} ms; killing it`);
      killGroup(pid, 'SIGKILL');
      await this.exited;
    }
    // Children that outlived their leader still belong to the group.
    killGroup(pid, 'SIGKILL');
  }

  /** Kills the process group at once, like a crash would (for failure tests). */
  async kill(): Promise<void> {
    if (this.child.pid !== undefined) killGroup(this.child.pid, 'SIGKILL');
    await this.exited;
  }
}

export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
