import type { Logger } from '../common/logger';
import { functionObservability, OBSERVABILITY_POLICY, type ObservabilityPolicy } from '../modules/meta/policy-kinds';
import type { ProcessMetrics } from '../modules/observability';
import {
  FunctionLogStore, FunctionLogWriter, LogFollowers, registerFollowerMetrics, registerWriterMetrics, startLogRetention, type LogRetention,
} from '../modules/observability/logs';
import type { Platform } from './platform';

/** The function log's parts one process runs, by role. */
export interface FunctionLogServices {
  /** Worker roles: stores each attempt's output. */
  writer?: FunctionLogWriter;
  /** Api roles: what GET /v1/functions/{name}/logs reads and streams from. */
  api?: { store: FunctionLogStore; followers: LogFollowers };
  /** Api roles: the periodic sweep of lines past the retention. */
  retention?: LogRetention;
  /** Writes what is queued, ends the followers and stops the sweep. */
  close(): Promise<void>;
}

/**
 * Builds the function log for a process: the writer where attempts run (worker), the store,
 * followers and retention sweep where the API is served. Both read the observability policy
 * through the platform's policy cache (no query per attempt).
 */
export function functionLogServices(options: { platform: Platform; metrics: ProcessMetrics; logger: Logger; writer: boolean; reader: boolean }): FunctionLogServices {
  const { platform, metrics, logger } = options;
  const policy = () => platform.policyCache.get<ObservabilityPolicy>(OBSERVABILITY_POLICY.kind);
  const writer = options.writer
    ? new FunctionLogWriter({ store: platform.meta, capture: async (name) => functionObservability(await policy(), name).capture, logger })
    : undefined;
  if (writer && metrics.enabled) registerWriterMetrics(metrics.registry, writer.stats);
  let api: FunctionLogServices['api'];
  let retention: LogRetention | undefined;
  if (options.reader) {
    const store = new FunctionLogStore(platform.meta);
    const followers = new LogFollowers({ logs: store, logger });
    if (metrics.enabled) registerFollowerMetrics(metrics.registry, followers);
    api = { store, followers };
    retention = startLogRetention({ logs: store, retentionHours: async () => (await policy()).functionLogs.retentionHours, logger });
  }
  return {
    writer, api, retention,
    async close() {
      api?.followers.closeAll();
      await retention?.stop();
      await writer?.close();
    },
  };
}
