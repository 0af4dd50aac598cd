import { spawn, type ChildProcess } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { childPids, processTree, residentBytes } from './process-tree';
import { constants as osConstants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { FunctionLoadError, InputError, LimitExceededError, SetupError, UnavailableError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import type { LaunchSpec, RuntimeModule } from '../runtime/contract';
import { asShimMessage, encodeInvokeFrame, FrameReader, ProtocolError, type InvokeContext, type ShimMessage } from '../runtime/protocol';
import { LeftoverCheck } from './cleanup-check';
import type { CapturedLogs, FunctionError, FunctionVersionSpec, InvocationOutcome, InvocationRequest } from './contract';
import { DEFAULT_EVENT_LIMITS, encodeEvent, type EventLimits } from './event-limits';
import { createInstanceLimits, type ExitInfo, type InstanceLimits } from './limits';
import { startFunctionNetwork, type FunctionNetwork } from './network-slirp';
import { sandboxCommand } from './sandbox';

/** The part of a runtime module the execution layer uses. */
export type ExecutableRuntime = Pick<RuntimeModule, 'id' | 'shimDir' | 'parseHandler' | 'launch'>;

export interface InstanceOptions {
  id: string;
  spec: FunctionVersionSpec;
  runtime: ExecutableRuntime;
  logger: Logger;
  /** How long importing the handler may take before start() gives up. */
  startTimeoutMs?: number;
  /** Most processes, threads included, the instance may run at once (cgroup pids.max). */
  maxPids?: number;
  /** `rlimit` skips cgroups even where they work. Default `auto`. */
  limits?: 'auto' | 'rlimit';
  /** Deepest and largest event passed to the shim; beyond them invoke() throws LimitExceededError. Default DEFAULT_EVENT_LIMITS. */
  eventLimits?: EventLimits;
}

export type InstanceState = 'new' | 'starting' | 'idle' | 'busy' | 'dead';

/** How an invocation ended, before it is turned into an outcome. */
type Ending =
  | { kind: 'result'; message: Extract<ShimMessage, { type: 'result' }> }
  | { kind: 'timeout' }
  | { kind: 'cancelled' }
  | { kind: 'stopped' }
  | { kind: 'broken'; reason: string }
  | { kind: 'exit'; exit: ExitInfo; outOfMemory: boolean };

const DEFAULT_START_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_PIDS = 64;
/** How much of the instance's own stdout/stderr (not the handler's captured output) is kept for diagnostics. */
const LOG_TAIL_CHARS = 16 * 1024;
const REQUEST_FD = 3;
const RESPONSE_FD = 4;

/** The last bytes a process printed, and how many it printed in all (to cut "what came since"). */
class LogTail {
  private text = '';
  total = 0;

  append(chunk: string): void {
    this.total += chunk.length;
    this.text = (this.text + chunk).slice(-LOG_TAIL_CHARS);
  }

  /** What was printed since `mark` (a former `total`), as far as the tail still holds it. */
  since(mark: number): string {
    const count = Math.min(this.total - mark, this.text.length);
    return count > 0 ? this.text.slice(-count) : '';
  }

  lastLines(count = 10): string {
    return this.text.split('\n').filter((line) => line.trim()).slice(-count).join('\n');
  }
}

/**
 * One long-lived sandboxed process serving one invocation at a time: the runtime shim
 * under bubblewrap, inside its own resource limits. A dead instance (crashed, timed out,
 * killed) never serves again; the pool replaces it.
 */
export class Instance {
  readonly id: string;
  readonly spec: FunctionVersionSpec;
  /** Epoch ms of the last invocation's end (or of the start), for idle reaping. */
  lastUsedAt = Date.now();
  private stateNow: InstanceState = 'new';
  private child: ChildProcess | undefined;
  private launch: LaunchSpec | undefined;
  private limits: InstanceLimits | undefined;
  /** The instance's own network namespace with user-mode networking (allowNetwork only). */
  private network: FunctionNetwork | undefined;
  private leftovers: LeftoverCheck | undefined;
  private readonly log: Logger;
  private readonly tail = new LogTail();
  private sequence = 0;
  private pending: { id: number; invocationId: string; end: (ending: Ending) => void } | undefined;
  private starting: { ready: () => void; fail: (err: Error) => void } | undefined;
  private interpreterPidCache: number | undefined;
  private idleWaiters: Array<() => void> = [];
  private exitSeen = false;
  private closedResolve!: () => void;
  /** Resolves once the process has exited and its limits are released. */
  readonly closed = new Promise<void>((resolve) => (this.closedResolve = resolve));

  constructor(private readonly options: InstanceOptions) {
    this.id = options.id;
    this.spec = options.spec;
    this.log = options.logger.child({ instanceId: options.id, function: options.spec.functionName, version: options.spec.version });
  }

  get state(): InstanceState {
    return this.stateNow;
  }

  /** Pid of the outermost sandbox process (bwrap); killing it ends everything inside. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /**
   * Starts the sandbox and waits until the shim has imported the handler. Throws InputError
   * for a malformed handler string; FunctionLoadError when the handler cannot be loaded,
   * the process exits first, or it is not ready within the start timeout; UnavailableError
   * when kill() stopped it meanwhile (a retry can succeed); SetupError when bwrap is missing.
   */
  async start(): Promise<void> {
    if (this.stateNow !== 'new') throw new Error(`Instance ${this.id} was started already.`);
    this.stateNow = 'starting';
    const { spec, runtime } = this.options;
    try {
      const launch = runtime.launch(runtime.parseHandler(spec.handler), { memoryMb: spec.memoryMb });
      this.launch = launch;
      this.network = spec.allowNetwork ? await startFunctionNetwork({ instanceId: this.id, logger: this.log }) : undefined;
      const { command, args } = sandboxCommand({ ...spec, shimDir: runtime.shimDir, launch, netnsPath: this.network?.netnsPath });
      this.limits = createInstanceLimits({
        instanceId: this.id,
        memoryMb: spec.memoryMb,
        maxPids: this.options.maxPids ?? DEFAULT_MAX_PIDS,
        interpreter: launch.command,
        logger: this.log,
        use: this.options.limits,
      });
      const wrapped = this.limits.wrap(command, args);
      const ready = new Promise<void>((resolve, reject) => (this.starting = { ready: resolve, fail: reject }));
      this.spawnProcess(wrapped.command, wrapped.args);
      const timeoutMs = this.options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
      const timer = setTimeout(() => this.failStart(this.loadError(`it did not load its handler within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
      await ready.finally(() => clearTimeout(timer));
      if (this.stateNow !== 'starting') throw stoppedWhileStarting();
    } catch (err) {
      this.starting = undefined;
      await this.kill();
      throw err;
    }
    this.starting = undefined;
    this.limits!.ready(); // the start's CPU boost ends
    this.leftovers = LeftoverCheck.create({ instanceId: this.id, mode: this.limits!.mode, sandboxPid: () => this.interpreterPid() });
    try {
      this.leftovers.recordBase();
    } catch (err) {
      await this.kill();
      throw new FunctionLoadError(`The instance of ${this.spec.functionName} v${this.spec.version} could not be inspected after start: ${(err as Error).message}.`);
    }
    this.stateNow = 'idle';
    this.lastUsedAt = Date.now();
    this.log.debug({ pid: this.pid, limits: this.limits?.mode }, 'instance ready');
  }

  /**
   * Runs one invocation. Resolves for every way it can end: a result or a function error
   * (the instance stays usable), a timeout or cancellation (the instance is killed), a
   * crash. Throws only when the instance is not idle, for an event that is not JSON
   * (InputError), or one nested deeper or larger than the event limits (LimitExceededError,
   * code LIMIT_EXCEEDED: not retried, as the same event would fail again). A refused event
   * never reaches the shim, and the instance stays idle.
   */
  async invoke(request: InvocationRequest, timeoutMs: number, signal?: AbortSignal): Promise<InvocationOutcome> {
    if (this.stateNow !== 'idle') throw new Error(`Instance ${this.id} cannot take an invocation while ${this.stateNow}.`);
    const id = ++this.sequence;
    const context: InvokeContext = {
      invocationId: request.invocationId,
      functionName: this.spec.functionName,
      version: this.spec.version,
      memoryMb: this.spec.memoryMb,
      deadlineMs: Date.now() + timeoutMs,
    };
    let frame: Buffer;
    try {
      frame = encodeInvokeFrame(id, context, encodeEvent(request.event, this.options.eventLimits ?? DEFAULT_EVENT_LIMITS));
    } catch (err) {
      const reason = (err as Error).message;
      if (err instanceof LimitExceededError) throw new LimitExceededError(`The event of invocation ${request.invocationId} was refused: ${reason}`, err.details);
      if (err instanceof ProtocolError) throw new LimitExceededError(`The event of invocation ${request.invocationId} is too large to pass inline: ${reason}`);
      if (err instanceof InputError) throw new InputError(`The event of invocation ${request.invocationId} cannot be sent: ${reason}`);
      throw err;
    }
    this.stateNow = 'busy';
    const started = performance.now();
    const logMark = this.tail.total;
    const ended = new Promise<Ending>((resolve) => (this.pending = { id, invocationId: request.invocationId, end: resolve }));
    const timer = setTimeout(() => this.pending?.end({ kind: 'timeout' }), timeoutMs);
    const cancel = () => this.pending?.end({ kind: 'cancelled' });
    if (signal?.aborted) cancel();
    else {
      signal?.addEventListener('abort', cancel, { once: true });
      (this.child!.stdio[REQUEST_FD] as Writable).write(frame);
    }
    const ending = await ended;
    clearTimeout(timer);
    signal?.removeEventListener('abort', cancel);
    this.pending = undefined;
    if (ending.kind !== 'result') await this.kill(); // a no-op when already dead; resolves once it is gone
    else await this.retireIfLeftBehind(request.invocationId, ending.message.retire === true);
    const durationMs = Math.round(performance.now() - started);
    const outcome = this.outcome(ending, timeoutMs, logMark);
    if (this.stateNow === 'busy') this.stateNow = 'idle';
    this.lastUsedAt = Date.now();
    this.notifyIdle();
    this.log.debug({ invocationId: request.invocationId, status: outcome.status, durationMs }, 'invocation ended');
    return { ...outcome, coldStart: false, durationMs, instanceId: this.id };
  }

  /**
   * Callers do not see each other: a process the invocation left running is killed before
   * the next event is sent. The whole instance is retired, not just the stray processes,
   * because killing strays alone is not airtight: while it ran, such a process could write
   * into the shim's memory (/proc/<shim>/mem, as long as the shim is dumpable), leave SysV
   * IPC objects or files the shim's wipe does not know, or fork again between the read of
   * the process list and the kill. A fresh instance has none of that, and only functions
   * that leave processes behind pay its cold start. The check itself is one small read
   * (LeftoverCheck), the cost on the warm path. Files the function wrote (/tmp, /dev/shm,
   * new entries on the sandbox's root tmpfs) are wiped by the shim itself after it
   * answers and before it reads the next request (see the shims' `wipe_writable`).
   */
  private async retireIfLeftBehind(invocationId: string, filesChanged: boolean): Promise<void> {
    if (this.stateNow !== 'busy') return;
    const extra = this.leftovers?.extra() ?? Infinity;
    if (extra <= 0 && !filesChanged) return;
    const reason = extra > 0 ? 'the invocation left processes behind' : 'the invocation changed files the shim cannot restore';
    this.log.info({ invocationId, processes: extra > 0 && Number.isFinite(extra) ? extra : undefined }, `${reason}; retiring the instance`);
    await this.kill();
  }

  /** Resolves when no invocation is running (at once when idle or dead). */
  whenIdle(): Promise<void> {
    if (this.stateNow !== 'busy') return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Kills the sandbox (everything in its pid namespace) and resolves once it is gone and its limits released. */
  kill(): Promise<void> {
    // A process held to a small CPU quota dies slowly; the kill must not wait on the throttle.
    this.limits?.unthrottle();
    const wasRunning = this.stateNow !== 'dead';
    this.stateNow = 'dead';
    this.pending?.end({ kind: 'stopped' });
    this.failStart(stoppedWhileStarting());
    const pid = this.child?.pid;
    if (wasRunning && pid !== undefined && this.child!.exitCode === null && this.child!.signalCode === null) {
      // Killing the namespace's init (bwrap's one child) makes the kernel kill and reap all
      // the sandbox holds; bwrap then reaps the init and exits. Killing bwrap first would
      // orphan the init to the host's pid 1, which may never reap it (a zombie per instance).
      const nsInit = childPids(pid)[0];
      signal(nsInit ?? -pid);
      // Still there after a grace period (or bwrap had no child yet): kill its process group.
      const fallback = setTimeout(() => signal(-pid), nsInit === undefined ? 0 : 1000);
      fallback.unref();
      void this.closed.then(() => clearTimeout(fallback));
    }
    if (!this.child && !this.exitSeen) {
      // Never spawned: nothing to wait for but the limits made for it.
      this.exitSeen = true;
      void this.releaseResources().finally(() => this.closedResolve());
    }
    return this.closed;
  }

  /** Pid of the interpreter inside the sandbox (a grandchild of bwrap), when it runs. */
  interpreterPid(): number | undefined {
    if (this.interpreterPidCache !== undefined || !this.pid || !this.launch) return this.interpreterPidCache;
    const command = this.launch.command;
    this.interpreterPidCache = processTree(this.pid).find((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/exe`) === command;
      } catch {
        return false;
      }
    });
    return this.interpreterPidCache;
  }

  /**
   * Resident memory of the whole sandbox: bwrap, its init, the interpreter and what it
   * started. Pass one `childrenByParent()` snapshot when asking many instances at once.
   */
  rssBytes(children?: Map<number, number[]>): number | undefined {
    if (!this.pid || this.stateNow === 'dead') return undefined;
    return processTree(this.pid, children).reduce((sum, pid) => sum + (residentBytes(pid) ?? 0), 0);
  }

  /** Resident memory of the interpreter alone. */
  interpreterRssBytes(): number | undefined {
    const pid = this.interpreterPid();
    return pid === undefined ? undefined : residentBytes(pid);
  }

  /** The last lines the process printed outside invocations (import-time output, crashes). */
  logTail(): string {
    return this.tail.lastLines(20);
  }

  private spawnProcess(command: string, args: string[]): void {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
      detached: true,
      env: { PATH: '/usr/bin:/bin' },
    });
    this.child = child;
    for (const stream of child.stdio) stream?.on('error', () => undefined); // EPIPE after a death is expected
    const drain = (name: string) => (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      this.tail.append(text);
      this.log.debug({ invocationId: this.pending?.invocationId, stream: name, text: text.slice(0, 1024) }, 'instance output');
    };
    child.stdout!.on('data', drain('stdout'));
    child.stderr!.on('data', drain('stderr'));
    const reader = new FrameReader();
    (child.stdio[RESPONSE_FD] as Readable).on('data', (chunk: Buffer) => {
      try {
        for (const frame of reader.push(chunk)) this.handle(asShimMessage(frame));
      } catch (err) {
        const reason = (err as Error).message;
        this.log.warn({ err, invocationId: this.pending?.invocationId }, 'the shim broke the protocol; killing the instance');
        this.failStart(this.loadError(`it broke the protocol: ${reason}`));
        this.pending?.end({ kind: 'broken', reason });
        void this.kill();
      }
    });
    child.on('error', (err) => this.onExit({ code: null, signal: null }, err));
    child.on('close', (code, signal) => this.onExit({ code, signal }));
  }

  private handle(message: ShimMessage): void {
    if (message.type === 'ready') this.starting?.ready();
    else if (message.type === 'init_error') {
      const { error } = message;
      this.failStart(this.loadError(`${error.type}: ${error.message}`, error));
    } else if (this.pending && (message.id === this.pending.id || message.id === null)) this.pending.end({ kind: 'result', message });
  }

  /** Fails a pending start() (a no-op once it settled). */
  private failStart(err: Error): void {
    if (!this.starting) return;
    this.starting.fail(err);
    this.starting = undefined;
  }

  private loadError(reason: string, error?: FunctionError): FunctionLoadError {
    const output = this.tail.lastLines();
    return new FunctionLoadError(`The handler ${this.spec.handler} of ${this.spec.functionName} v${this.spec.version} could not be loaded: ${reason}.`, {
      error,
      output: output || undefined,
    });
  }

  private onExit(exit: ExitInfo, spawnError?: Error): void {
    if (this.exitSeen) return;
    this.exitSeen = true;
    this.stateNow = 'dead';
    const outOfMemory = (this.limits?.outOfMemory(exit) ?? false) || /JavaScript heap out of memory|Reached heap limit/.test(this.tail.lastLines(40));
    this.log.debug({ ...exit, invocationId: this.pending?.invocationId, outOfMemory, err: spawnError }, 'instance exited');
    this.failStart(
      spawnError
        ? new SetupError(`The sandbox for ${this.spec.functionName} could not be started: ${spawnError.message}.`)
        : this.loadError(`the process exited (${describeExit(exit)}) before the handler was ready`),
    );
    this.pending?.end({ kind: 'exit', exit, outOfMemory });
    this.notifyIdle();
    void this.releaseResources().finally(() => this.closedResolve());
  }

  /** The cgroups and the network namespace made for this instance. */
  private async releaseResources(): Promise<void> {
    await Promise.allSettled([this.limits?.release(), this.network?.release()]);
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    waiters.forEach((resolve) => resolve());
  }

  private outcome(ending: Ending, timeoutMs: number, logMark: number): Omit<InvocationOutcome, 'coldStart' | 'durationMs' | 'instanceId'> {
    if (ending.kind === 'result') {
      const { message } = ending;
      return message.ok
        ? { status: 'succeeded', result: message.result ?? null, logs: message.logs }
        : { status: 'failed', error: message.error, logs: message.logs };
    }
    // The handler's captured output died with the process; what it printed outside the capture is all there is.
    const logs: CapturedLogs = { stdout: '', stderr: this.tail.since(logMark), truncated: false };
    if (ending.kind === 'timeout') {
      return { status: 'timed_out', error: { type: 'TimeoutError', message: `The function did not return within ${timeoutMs} ms and was stopped.` }, logs };
    }
    if (ending.kind === 'cancelled') {
      return { status: 'failed', error: { type: 'Cancelled', message: 'The invocation was cancelled and the function was stopped.' }, logs };
    }
    if (ending.kind === 'broken') {
      return { status: 'crashed', error: { type: 'ProtocolError', message: `The function's process broke the worker protocol: ${ending.reason}` }, logs };
    }
    if (ending.kind === 'stopped') {
      return { status: 'crashed', error: { type: 'InstanceStopped', message: 'The instance was stopped (evicted, or the worker shut down) during the invocation.' }, logs };
    }
    const error: FunctionError = ending.outOfMemory
      ? { type: 'OutOfMemory', message: `The function ran out of memory (limit ${this.spec.memoryMb} MB) and was killed.` }
      : { type: 'ProcessCrashed', message: `The function's process ended during the invocation (${describeExit(ending.exit)}).` };
    return { status: 'crashed', error, logs };
  }
}

function stoppedWhileStarting(): UnavailableError {
  return new UnavailableError('The instance was stopped (evicted, or the worker shut down) before its handler was ready; retry.');
}

/** "exit code 3" or "signal SIGSEGV" (bwrap reports its child's death by signal n as exit code 128+n). */
function describeExit({ code, signal }: ExitInfo): string {
  if (signal) return `signal ${signal}`;
  if (code !== null && code > 128) {
    const name = Object.entries(osConstants.signals).find(([, number]) => number === code - 128)?.[0];
    if (name) return `signal ${name}`;
  }
  return `exit code ${code ?? 'unknown'}`;
}

function signal(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
