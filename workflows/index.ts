// The workflow bundle's entry: every workflow type the worker registers.
export { pingWorker, type PingResult } from './ping-worker';
