export { FunctionLogWriter, type FunctionLogWriterOptions, type FunctionLogWriterStats } from './writer';
export { FunctionLogStore, type LogFilter, type FunctionLogLineView, type FunctionLogPage } from './store';
export { LogFollowers, TooManyFollowersError } from './followers';
export { startLogRetention, type LogRetention } from './retention';
export { registerFollowerMetrics, registerWriterMetrics } from './metrics';
export { functionLogQuerySchema, startOf, LOG_PAGE_MAX, type FunctionLogQuery } from './query';
export { attemptRows, splitLines, type AttemptOutput, type CaptureLevel } from './lines';
