import os from 'node:os';

export interface WorkerDescription {
  nodeId: string;
  hostname: string;
  pid: number;
  startedAt: string;
}

export interface SystemActivityDeps {
  nodeId: string;
  startedAt: Date;
}

/** Activities about the worker itself: used to prove a worker is polling and answering. */
export function createSystemActivities(deps: SystemActivityDeps) {
  return {
    async describeWorker(): Promise<WorkerDescription> {
      return { nodeId: deps.nodeId, hostname: os.hostname(), pid: process.pid, startedAt: deps.startedAt.toISOString() };
    },
  };
}

export type SystemActivities = ReturnType<typeof createSystemActivities>;
