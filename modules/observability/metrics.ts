import { Registry, collectDefaultMetrics } from 'prom-client';
import type { ExecutionPool } from '../worker/contract';
import type { BridgeStatus } from '../trigger/kafka';
import { registerBridgeMetrics } from './bridge';
import { FaasMetrics, NO_FAAS_METRICS, registerWarmInstances, type FaasRecorder } from './faas';
import { HttpMetrics } from './http';

export interface MetricsOptions {
  /** Off (PYFAAS_METRICS=off): nothing is recorded and /metrics answers an empty document. */
  enabled: boolean;
  /** Distinct function@version pairs (and Kafka triggers) with series of their own; the rest are `_other`. */
  maxSeries: number;
  /** Labels on every series of this process (e.g. `{ node: 'node-1' }`). */
  defaultLabels?: Record<string, string>;
}

/**
 * One process's metrics: its own prom-client Registry (never the global one, so two PyFaaS
 * in one Node process — the tests — do not share counters), Node's default metrics, and the
 * FaaS, HTTP and Kafka bridge metrics the process's roles record.
 */
export class ProcessMetrics {
  readonly registry = new Registry();
  /** What the invoke activities record into (a no-op when metrics are off). */
  readonly faas: FaasRecorder;
  /** The API's middleware source (undefined when metrics are off). */
  readonly http?: HttpMetrics;
  private readonly faasMetrics?: FaasMetrics;
  /**
   * Whether attempts and requests are recorded now (true when enabled). Only benchmarks turn
   * it off and on again, to compare invocations with and without metrics in one run;
   * PYFAAS_METRICS=off is how an operator turns metrics off. Flip it between invocations,
   * never during one (the running gauge would not come back down).
   */
  recording: boolean;

  constructor(private readonly options: MetricsOptions) {
    this.recording = options.enabled;
    if (!options.enabled) {
      this.faas = NO_FAAS_METRICS;
      return;
    }
    if (options.defaultLabels) this.registry.setDefaultLabels(options.defaultLabels);
    collectDefaultMetrics({ register: this.registry, prefix: 'pyfaas_' });
    const faas = new FaasMetrics(this.registry, options.maxSeries);
    this.faasMetrics = faas;
    this.faas = {
      start: (fn, version) => {
        if (this.recording) faas.start(fn, version);
      },
      finish: (fn, version, trigger, outcome, initMs) => {
        if (this.recording) faas.finish(fn, version, trigger, outcome, initMs);
      },
    };
    this.http = new HttpMetrics(this.registry, () => this.recording);
  }

  get enabled(): boolean {
    return this.options.enabled;
  }

  /** Warm instances read from this node's pool at scrape time (worker roles). */
  observePool(pool: ExecutionPool): void {
    if (this.faasMetrics) registerWarmInstances(this.registry, pool, this.faasMetrics);
  }

  /** The Kafka bridge's per-trigger counters read at scrape time (bridge roles). */
  observeBridge(status: () => BridgeStatus): void {
    if (this.options.enabled) registerBridgeMetrics(this.registry, status, this.options.maxSeries);
  }

  /** The Prometheus text exposition format (version 0.0.4) of every metric. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
