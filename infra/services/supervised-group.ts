import type { Logger } from '../../common/logger';
import { step } from '../progress';
import { killGroup, type ManagedProcess } from './managed-process';
import { RestartPolicy } from './restart-policy';
import type { ServiceExit, ServiceStatus } from './supervised-status';

export interface ServiceSpec {
  name: string;
  /** What the start step says, e.g. "starting Kafka on 127.0.0.1:9092". */
  what: string;
  /**
   * Starts the service and resolves once it is healthy; throws (leaving no process behind)
   * when it does not come up. A restart calls it again, unchanged: same ports, same state.
   * `signal` aborts when the group stops; a start may use it to give up waiting early.
   */
  start(signal: AbortSignal): Promise<ManagedProcess>;
}

/** Why the group stopped healing: the service that failed too often, in one sentence. */
export interface GaveUp {
  service: string;
  sentence: string;
}

export interface SupervisedGroupOptions {
  logger: Logger;
  /** One policy per service; tests pass short delays. */
  policy?: () => RestartPolicy;
  /** Called after every state change (to write the status and lock files). */
  onChange?: (services: ServiceStatus[]) => void;
}

interface Slot {
  spec: ServiceSpec;
  policy: RestartPolicy;
  status: ServiceStatus;
  process?: ManagedProcess;
  /** Settles when the restart in progress (backoff wait and start) is over. */
  healing?: Promise<void>;
}

/**
 * Runs services in order and keeps them running, like systemd's `Restart=on-failure`: a
 * service that dies without being asked to is restarted after a backoff its policy sets,
 * the others keep running; once one fails too often in a short window the group gives up
 * (`gaveUp` resolves) and the caller stops everything. Every exit the group did not ask for
 * counts as a failure, exit code 0 too: none of these services is meant to finish.
 */
export class SupervisedGroup {
  /** Resolves when a service failed too often; never rejects. */
  readonly gaveUp: Promise<GaveUp>;
  private resolveGaveUp!: (reason: GaveUp) => void;
  private readonly slots: Slot[] = [];
  private stopping = false;
  private readonly wakeUps = new Set<() => void>();
  private readonly stopped = new AbortController();

  constructor(
    private readonly specs: ServiceSpec[],
    private readonly options: SupervisedGroupOptions,
  ) {
    this.gaveUp = new Promise((resolve) => (this.resolveGaveUp = resolve));
  }

  private get logger(): Logger {
    return this.options.logger;
  }

  /**
   * Starts every service in order, each watched from the moment it is healthy. When one
   * does not come up, the ones already started are stopped and the error is rethrown:
   * a first start that fails is a setup problem, not something a restart fixes.
   */
  async start(): Promise<void> {
    try {
      for (const spec of this.specs) {
        if (this.stopping) return;
        const slot: Slot = { spec, policy: this.options.policy?.() ?? new RestartPolicy(), status: { name: spec.name, state: 'starting', restarts: 0 } };
        this.slots.push(slot);
        this.changed();
        const started = await step(this.logger, spec.name, spec.what, () => spec.start(this.stopped.signal));
        this.adopt(slot, started);
      }
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** Each service's status, in start order. */
  statuses(): ServiceStatus[] {
    return this.slots.map((slot) => ({ ...slot.status }));
  }

  /** The pids of the live service processes (process group leaders). */
  pids(): number[] {
    return this.slots.flatMap((slot) => (slot.process?.running && slot.process.pid ? [slot.process.pid] : []));
  }

  /** The current process of a service (for tests and the start-up banner). */
  process(name: string): ManagedProcess | undefined {
    return this.slots.find((slot) => slot.spec.name === name)?.process;
  }

  /**
   * Stops every service in the reverse order of their start. Nothing is restarted from the
   * moment this is called; a restart in progress is waited for and its process stopped.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stopped.abort();
    for (const wake of this.wakeUps) wake();
    await Promise.all(this.slots.map((slot) => slot.healing));
    for (const slot of [...this.slots].reverse()) {
      const service = slot.process;
      if (service?.running) {
        this.set(slot, { state: 'stopping' });
        await step(this.logger, `stop-${slot.spec.name}`, `stopping ${slot.spec.name}`, () => service.stop());
      }
      if (slot.status.state !== 'failed') this.set(slot, { state: 'stopped', pid: undefined, nextStartAt: undefined });
    }
  }

  private adopt(slot: Slot, started: ManagedProcess): void {
    slot.process = started;
    this.set(slot, { state: 'running', pid: started.pid, since: new Date().toISOString(), nextStartAt: undefined });
    void started.exited.then(() => {
      if (this.stopping || slot.process !== started) return;
      // What the dead leader spawned still belongs to its group (a function instance, a JVM helper).
      if (started.pid !== undefined) killGroup(started.pid, 'SIGKILL');
      slot.healing = this.heal(slot, exitOf(started), started.logTail()).catch((err: Error) => {
        this.logger.error({ service: slot.spec.name, err }, `restarting ${slot.spec.name} failed unexpectedly; stopping the stack`);
        this.resolveGaveUp({ service: slot.spec.name, sentence: `restarting ${slot.spec.name} failed unexpectedly: ${err.message}` });
      });
    });
  }

  /** Restarts a dead service until it stays up, the group stops, or its policy gives up. */
  private async heal(slot: Slot, exit: ServiceExit, logTail: string): Promise<void> {
    const name = slot.spec.name;
    while (!this.stopping) {
      const decision = slot.policy.onFailure(Date.now());
      if (decision.action === 'give-up') {
        const sentence = `${name} failed ${decision.failures} times within ${Math.round(decision.windowMs / 1000)} s (last: ${exit.reason})`;
        this.set(slot, { state: 'failed', pid: undefined, lastExit: exit, nextStartAt: undefined });
        this.logger.error(
          { service: name, exitCode: exit.code, signal: exit.signal, reason: exit.reason, failures: decision.failures, windowMs: decision.windowMs, logTail },
          `${sentence}; giving up and stopping the stack`,
        );
        this.resolveGaveUp({ service: name, sentence });
        return;
      }
      const { attempt, delayMs } = decision;
      this.set(slot, { state: 'restarting', pid: undefined, lastExit: exit, nextStartAt: new Date(Date.now() + delayMs).toISOString() });
      this.logger.error(
        { service: name, exitCode: exit.code, signal: exit.signal, reason: exit.reason, attempt, delayMs, logTail },
        `${name} ${exit.reason}; restarting it in ${formatDelay(delayMs)} (attempt ${attempt}). Last lines:\n${logTail}`,
      );
      await this.wait(delayMs);
      if (this.stopping) return;
      this.set(slot, { state: 'starting', nextStartAt: undefined });
      try {
        const started = await slot.spec.start(this.stopped.signal);
        if (this.stopping) {
          await started.stop();
          return;
        }
        this.set(slot, { restarts: slot.status.restarts + 1 });
        this.adopt(slot, started);
        this.logger.info({ service: name, pid: started.pid, attempt, restarts: slot.status.restarts }, `${name} is running again (pid ${started.pid})`);
        return;
      } catch (err) {
        this.set(slot, { restarts: slot.status.restarts + 1 });
        exit = { code: null, signal: null, at: new Date().toISOString(), reason: startFailure(name, (err as Error).message) };
        logTail = lastLinesOf((err as Error).message);
      }
    }
  }

  /** Sleeps, or less when the group is stopped meanwhile. */
  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakeUps.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakeUps.add(wake);
    });
  }

  private set(slot: Slot, change: Partial<ServiceStatus>): void {
    slot.status = { ...slot.status, ...change };
    for (const key of Object.keys(slot.status) as (keyof ServiceStatus)[]) if (slot.status[key] === undefined) delete slot.status[key];
    this.changed();
  }

  private changed(): void {
    try {
      this.options.onChange?.(this.statuses());
    } catch (err) {
      this.logger.warn({ err }, 'could not record the services status');
    }
  }
}

function exitOf(service: ManagedProcess): ServiceExit {
  const code = service.exit?.code ?? null;
  const signal = service.exit?.signal ?? null;
  const how = signal ? `was killed by ${signal}` : code === -1 ? 'could not be spawned' : `exited with code ${code}`;
  return { code, signal, at: new Date().toISOString(), reason: `${how} (log: ${service.options.logFile})` };
}

/** "pyfaas exited during start-up (log: …)" → "did not come back: exited during start-up (log: …)". */
function startFailure(name: string, message: string): string {
  const first = message.split('\n')[0].replace(/\. Last lines:$/, '');
  return `did not come back: ${first.startsWith(`${name} `) ? first.slice(name.length + 1) : first}`;
}

function formatDelay(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}

/** A start error's message carries the log's last lines after its first line. */
function lastLinesOf(text: string): string {
  return text.split('\n').slice(1).join('\n');
}
