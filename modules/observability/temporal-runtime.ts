import { createServer } from 'node:net';
import type { TelemetryOptions } from '@temporalio/worker';
import { UnavailableError } from '../../common/errors';

/** What of the configuration the Temporal SDK's metrics need (infra/config.ts `metrics`, `nodeId`). */
export interface TemporalMetricsConfig {
  nodeId: string;
  metrics: { enabled: boolean; host: string; temporalPort?: number };
}

/**
 * The `telemetryOptions` for `Runtime.install` (cli/pyfaas.ts `serve`): with
 * PYFAAS_TEMPORAL_METRICS_PORT set, the SDK Core's own Prometheus exporter serves
 * `GET /metrics` (`temporal_*`: workflow and activity task latencies, poll results, slots,
 * sticky cache) on that port, bound to PYFAAS_METRICS_HOST, counters with `_total`, durations in
 * seconds with `_seconds`, as Prometheus names them. Off when the port is unset or metrics are off.
 */
export function temporalTelemetryOptions(config: TemporalMetricsConfig): { telemetryOptions?: TelemetryOptions } {
  const { enabled, host, temporalPort } = config.metrics;
  if (!enabled || temporalPort === undefined) return {};
  return {
    telemetryOptions: {
      metrics: {
        prometheus: { bindAddress: `${host}:${temporalPort}`, countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true },
        globalTags: { node: config.nodeId },
        attachServiceName: false,
      },
    },
  };
}

/**
 * Throws UnavailableError when the Temporal metrics port is taken: the SDK Core binds it in
 * its own thread and would otherwise fail without naming the variable that moves it.
 */
export async function checkTemporalMetricsPort(config: TemporalMetricsConfig): Promise<void> {
  const { enabled, host, temporalPort } = config.metrics;
  if (!enabled || temporalPort === undefined) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new UnavailableError(`Port ${temporalPort} (Temporal SDK metrics) is already in use; set PYFAAS_TEMPORAL_METRICS_PORT to another port.`) : err),
    );
    probe.listen(temporalPort, host, () => probe.close(() => resolve()));
  });
}
