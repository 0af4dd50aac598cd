export { ProcessMetrics, type MetricsOptions } from './metrics';
export { NO_FAAS_METRICS, type FaasRecorder, type AttemptStatus, type AttemptRecord } from './faas';
export { HttpMetrics, UNMATCHED_ROUTE } from './http';
export { serveMetrics } from './server';
export { OTHER, triggerKind } from './labels';
