export { createApp, type AppDeps } from './app';
export { createHealthRouter } from './routes/health';
