export { ProcessMetrics, type MetricsOptions, type ActivityRecorders } from './metrics';
export { NO_FAAS_METRICS, type FaasRecorder, type AttemptStatus, type AttemptRecord, type AttemptPath } from './faas';
export { HttpMetrics, UNMATCHED_ROUTE } from './http';
export { serveMetrics } from './server';
export { OTHER, triggerKind } from './labels';
export { FunctionMetricsSwitch } from './function-switch';
export { NO_SCALER_METRICS, SCALER_STALE_MS, type ScalerRecorder } from './scaler';
export { NO_DELIVERY_METRICS, NO_HEARTBEAT_METRICS, type DeliveryRecorder, type DeliveryResult, type HeartbeatRecorder } from './platform';
export { temporalTelemetryOptions, checkTemporalMetricsPort } from './temporal-runtime';
