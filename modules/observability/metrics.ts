import { Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from '../../common/logger';
import type { ObservabilityPolicy } from '../meta/policy-kinds/observability';
import type { ExecutionPool } from '../worker/contract';
import type { BridgeStatus } from '../trigger/kafka';
import { registerBridgeMetrics } from './bridge';
import { FaasMetrics, NO_FAAS_METRICS, registerWarmInstances, type FaasRecorder } from './faas';
import { FunctionMetricsSwitch } from './function-switch';
import { HttpMetrics } from './http';
import { sampleKafkaLag } from './kafka-lag';
import { NO_DELIVERY_METRICS, NO_HEARTBEAT_METRICS, PlatformMetrics, type DeliveryRecorder, type HeartbeatRecorder } from './platform';
import { NO_SCALER_METRICS, ScalerMetrics, type ScalerRecorder } from './scaler';

export interface MetricsOptions {
  /** Off (PYFAAS_METRICS=off): nothing is recorded and /metrics answers an empty document. */
  enabled: boolean;
  /** Distinct function@version pairs (and Kafka triggers) with series of their own; the rest are `_other`. */
  maxSeries: number;
  /** Labels on every series of this process (e.g. `{ node: 'node-1' }`). */
  defaultLabels?: Record<string, string>;
}

/** What the worker's activities record into (each a no-op when metrics are off). */
export interface ActivityRecorders {
  faas: FaasRecorder;
  scaler: ScalerRecorder;
  deliveries: DeliveryRecorder;
}

/**
 * One process's metrics: its own prom-client Registry (never the global one, so two PyFaaS
 * in one Node process — the tests — do not share counters), Node's default metrics, and the
 * FaaS, HTTP, scaler, Kafka bridge and platform metrics the process's roles record.
 */
export class ProcessMetrics {
  readonly registry = new Registry();
  /** What the invoke activities record into (a no-op when metrics are off). */
  readonly faas: FaasRecorder;
  /** The API's middleware source (undefined when metrics are off). */
  readonly http?: HttpMetrics;
  /** What the scaler's decisions, destination deliveries and the node heartbeat record into. */
  readonly scaler: ScalerRecorder = NO_SCALER_METRICS;
  readonly deliveries: DeliveryRecorder = NO_DELIVERY_METRICS;
  readonly heartbeats: HeartbeatRecorder = NO_HEARTBEAT_METRICS;
  /** Which functions' invocations are recorded (the observability policy; see `applyPolicy`). */
  readonly functions = new FunctionMetricsSwitch();
  private readonly faasMetrics?: FaasMetrics;
  private readonly platformMetrics?: PlatformMetrics;
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
    const functions = this.functions;
    // The policy's switch is read per attempt (a Set lookup); an attempt that ends after its
    // function was switched off still brings the running gauge back down (FaasMetrics.release).
    this.faas = {
      start: (fn, version) => {
        if (this.recording && functions.enabled(fn)) faas.start(fn, version);
      },
      finish: (fn, version, trigger, outcome, initMs) => {
        if (!this.recording) return;
        if (functions.enabled(fn)) faas.finish(fn, version, trigger, outcome, initMs);
        else faas.release(fn, version);
      },
      queued: (fn, version, path, waitMs) => {
        if (this.recording && functions.enabled(fn)) faas.queued(fn, version, path, waitMs);
      },
    };
    this.http = new HttpMetrics(this.registry, () => this.recording);
    this.scaler = new ScalerMetrics(this.registry, options.maxSeries);
    this.platformMetrics = new PlatformMetrics(this.registry);
    this.deliveries = this.platformMetrics;
    this.heartbeats = this.platformMetrics;
  }

  get enabled(): boolean {
    return this.options.enabled;
  }

  /** The recorders the worker's activities are given. */
  get activities(): ActivityRecorders {
    return { faas: this.faas, scaler: this.scaler, deliveries: this.deliveries };
  }

  /** The observability policy in force (PolicyCache.watch): its per-function metrics switch applies from the next attempt. */
  applyPolicy(policy: ObservabilityPolicy): void {
    this.functions.apply(policy);
  }

  /** Warm instances read from this node's pool at scrape time (worker roles). */
  observePool(pool: ExecutionPool): void {
    if (this.faasMetrics) registerWarmInstances(this.registry, pool, this.faasMetrics);
  }

  /** The Kafka bridge's per-trigger counters read at scrape time (bridge roles). */
  observeBridge(status: () => BridgeStatus): void {
    if (this.options.enabled) registerBridgeMetrics(this.registry, status, this.options.maxSeries);
  }

  /** The bridge's consumer lag per trigger, sampled every `intervalMs` (bridge roles); returns the way to stop. */
  sampleKafkaLag(sample: () => Promise<Map<string, number>>, intervalMs: number, logger: Logger): () => Promise<void> {
    if (!this.options.enabled) return async () => undefined;
    return sampleKafkaLag(this.registry, sample, intervalMs, this.options.maxSeries, logger);
  }

  /** The worker nodes alive, counted in the meta store at scrape time. */
  observeNodes(countAlive: () => Promise<number>, logger: Logger): void {
    this.platformMetrics?.observeNodes(countAlive, logger);
  }

  /** The Prometheus text exposition format (version 0.0.4) of every metric. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
