import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ExecutionPool } from '../worker/contract';
import { OTHER, triggerKind } from './labels';

/** What an attempt ended as (AttemptOutcome.status). */
export type AttemptStatus = 'succeeded' | 'failed' | 'timed_out' | 'crashed';
const STATUSES: readonly AttemptStatus[] = ['succeeded', 'failed', 'timed_out', 'crashed'];

/** What an attempt that ended with an outcome tells the metrics. */
export interface AttemptRecord {
  status: AttemptStatus;
  durationMs: number;
  coldStart: boolean;
}

/**
 * Where an attempt records itself: the invoke activities call `start` before asking the pool
 * and `finish` after it answered (or threw), so the running gauge always comes back down.
 * Neither allocates once the function@version has been seen.
 */
export interface FaasRecorder {
  start(functionName: string, version: number): void;
  /** `outcome` undefined: no attempt ran (declined, or platform trouble); `initMs`: a cold start's time before the handler ran. */
  finish(functionName: string, version: number, trigger: string | undefined, outcome: AttemptRecord | undefined, initMs?: number): void;
  /**
   * How long the attempt waited before it began (schedule-to-start): for a placed attempt from
   * its activity's scheduled time, for the fast path (`local`) from the workflow's start.
   */
  queued(functionName: string, version: number, path: AttemptPath, waitMs: number): void;
}

/** Where an attempt ran: the fast path in the workflow task (`local`) or a placed activity. */
export type AttemptPath = 'local' | 'placed';

/** The recorder when metrics are off: nothing is counted. */
export const NO_FAAS_METRICS: FaasRecorder = Object.freeze({ start: noop, finish: noop, queued: noop });
function noop(): void {}

type CounterChild = ReturnType<Counter['labels']>;
type GaugeChild = ReturnType<Gauge['labels']>;
type HistogramChild = ReturnType<Histogram['labels']>;

/** The children of one function@version and trigger kind, built once and reused by every later attempt. */
interface TriggerSeries {
  invocations: Record<AttemptStatus, CounterChild>;
  durations: Record<AttemptStatus, HistogramChild>;
  errors: CounterChild;
  timeouts: CounterChild;
  coldstarts: CounterChild;
}

interface VersionSeries {
  function: string;
  version: string;
  running: GaugeChild;
  /** Attempts this series counted as running: the gauge never goes below what it was raised by. */
  runningCount: number;
  init: HistogramChild;
  queueWait: Record<AttemptPath, HistogramChild>;
  byTrigger: Map<string, TriggerSeries>;
}

/** Seconds: a warm Python call is ~1 ms; timeouts reach minutes. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const INIT_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Seconds: an eager fast-path start waits a few ms; a backlog waits minutes. */
const QUEUE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/**
 * The FaaS metrics of one process, named after the OpenTelemetry FaaS conventions
 * (faas.invocations, faas.errors, faas.timeouts, faas.coldstarts, faas.invoke_duration,
 * faas.init_duration). Labels: function, version, trigger (the kind), status.
 *
 * Cardinality is bounded: at most `maxSeries` function@version pairs get their own series in
 * this process (the first ones seen); every later pair is counted as function="_other",
 * version="_other". Trigger kinds and statuses are fixed sets. The hot path does two Map
 * lookups and no allocation once a pair's children exist.
 */
export class FaasMetrics implements FaasRecorder {
  private readonly invocations: Counter;
  private readonly errors: Counter;
  private readonly timeouts: Counter;
  private readonly coldstarts: Counter;
  private readonly duration: Histogram;
  private readonly init: Histogram;
  private readonly running: Gauge;
  private readonly queueWait: Histogram;
  private readonly series = new Map<string, Map<number, VersionSeries>>();
  private pairs = 0;
  private overflow?: VersionSeries;

  constructor(registry: Registry, private readonly maxSeries: number) {
    const registers = [registry];
    this.invocations = new Counter({ name: 'pyfaas_faas_invocations_total', help: 'Invocation attempts run in this process, by outcome (faas.invocations)', labelNames: ['function', 'version', 'trigger', 'status'], registers });
    this.errors = new Counter({ name: 'pyfaas_faas_errors_total', help: 'Attempts that ended in a function error or a crash (faas.errors)', labelNames: ['function', 'version', 'trigger'], registers });
    this.timeouts = new Counter({ name: 'pyfaas_faas_timeouts_total', help: 'Attempts stopped at the function timeout (faas.timeouts)', labelNames: ['function', 'version', 'trigger'], registers });
    this.coldstarts = new Counter({ name: 'pyfaas_faas_coldstarts_total', help: 'Attempts that had to start an instance first (faas.coldstarts)', labelNames: ['function', 'version', 'trigger'], registers });
    this.duration = new Histogram({ name: 'pyfaas_faas_invoke_duration_seconds', help: 'Time the handler ran, per attempt (faas.invoke_duration)', labelNames: ['function', 'version', 'trigger', 'status'], buckets: DURATION_BUCKETS, registers });
    this.init = new Histogram({ name: 'pyfaas_faas_init_duration_seconds', help: 'Time a cold start spent before the handler ran: starting the sandbox and loading the code (faas.init_duration)', labelNames: ['function', 'version'], buckets: INIT_BUCKETS, registers });
    this.running = new Gauge({ name: 'pyfaas_faas_running_invocations', help: 'Attempts running in this process now', labelNames: ['function', 'version'], registers });
    this.queueWait = new Histogram({ name: 'pyfaas_faas_queue_wait_seconds', help: 'Time an attempt waited before it began (schedule-to-start), by path: local (fast path, from the workflow start) or placed (from the activity\'s scheduling)', labelNames: ['function', 'version', 'path'], buckets: QUEUE_BUCKETS, registers });
  }

  start(functionName: string, version: number): void {
    const series = this.versionSeries(functionName, version);
    series.runningCount += 1;
    series.running.inc();
  }

  finish(functionName: string, version: number, trigger: string | undefined, outcome: AttemptRecord | undefined, initMs?: number): void {
    const series = this.versionSeries(functionName, version);
    this.lower(series);
    if (!outcome) return;
    const kind = triggerKind(trigger);
    let byKind = series.byTrigger.get(kind);
    if (!byKind) {
      byKind = this.triggerSeries(series, kind);
      series.byTrigger.set(kind, byKind);
    }
    const status = STATUSES.includes(outcome.status) ? outcome.status : 'crashed';
    byKind.invocations[status].inc();
    byKind.durations[status].observe(outcome.durationMs / 1000);
    if (status === 'failed' || status === 'crashed') byKind.errors.inc();
    else if (status === 'timed_out') byKind.timeouts.inc();
    if (outcome.coldStart) {
      byKind.coldstarts.inc();
      if (initMs !== undefined) series.init.observe(Math.max(0, initMs) / 1000);
    }
  }

  queued(functionName: string, version: number, path: AttemptPath, waitMs: number): void {
    this.versionSeries(functionName, version).queueWait[path].observe(Math.max(0, waitMs) / 1000);
  }

  /**
   * An attempt that ends while its function's metrics are switched off: only the running gauge
   * comes back down, if this attempt raised it (it started while they were on); no series is made.
   */
  release(functionName: string, version: number): void {
    const known = this.series.get(functionName)?.get(version) ?? (this.pairs >= this.maxSeries ? this.overflow : undefined);
    if (known) this.lower(known);
  }

  private lower(series: VersionSeries): void {
    if (series.runningCount === 0) return; // started while its metrics were off
    series.runningCount -= 1;
    series.running.dec();
  }

  /** The label values a function@version is shown under: its own, or `_other` past the cap (no new series). */
  labelsOf(functionName: string, version: number): { function: string; version: string } {
    const known = this.series.get(functionName)?.get(version);
    return known ? { function: known.function, version: known.version } : this.pairs < this.maxSeries ? { function: functionName, version: String(version) } : { function: OTHER, version: OTHER };
  }

  private versionSeries(functionName: string, version: number): VersionSeries {
    const known = this.series.get(functionName)?.get(version);
    if (known) return known;
    if (this.pairs >= this.maxSeries) return (this.overflow ??= this.newVersionSeries(OTHER, OTHER));
    this.pairs += 1;
    const created = this.newVersionSeries(functionName, String(version));
    let versions = this.series.get(functionName);
    if (!versions) this.series.set(functionName, (versions = new Map()));
    versions.set(version, created);
    return created;
  }

  private newVersionSeries(fn: string, version: string): VersionSeries {
    return {
      function: fn, version, running: this.running.labels(fn, version), runningCount: 0, init: this.init.labels(fn, version),
      queueWait: { local: this.queueWait.labels(fn, version, 'local'), placed: this.queueWait.labels(fn, version, 'placed') }, byTrigger: new Map(),
    };
  }

  private triggerSeries(series: VersionSeries, kind: string): TriggerSeries {
    const { function: fn, version } = series;
    const perStatus = <T>(make: (status: AttemptStatus) => T) => Object.fromEntries(STATUSES.map((s) => [s, make(s)])) as Record<AttemptStatus, T>;
    return {
      invocations: perStatus((s) => this.invocations.labels(fn, version, kind, s)),
      durations: perStatus((s) => this.duration.labels(fn, version, kind, s)),
      errors: this.errors.labels(fn, version, kind),
      timeouts: this.timeouts.labels(fn, version, kind),
      coldstarts: this.coldstarts.labels(fn, version, kind),
    };
  }
}

/**
 * `pyfaas_faas_warm_instances{function,version,state}`: read from the pool's stats when
 * scraped (nothing on the invoke path), idle and busy apart, under the same label cap.
 */
export function registerWarmInstances(registry: Registry, pool: ExecutionPool, faas: FaasMetrics): void {
  new Gauge({
    name: 'pyfaas_faas_warm_instances', help: 'Sandboxed instances started on this node, idle or busy', labelNames: ['function', 'version', 'state'], registers: [registry],
    collect() {
      this.reset();
      for (const instance of pool.stats().instances) {
        const labels = faas.labelsOf(instance.functionName, instance.version);
        this.inc({ ...labels, state: instance.busy ? 'busy' : 'idle' });
      }
    },
  });
}
