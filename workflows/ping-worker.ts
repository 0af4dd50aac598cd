import { proxyActivities } from '@temporalio/workflow';
import type { SystemActivities, WorkerDescription } from '../activities/system';
import { QUICK } from './profiles';

const { describeWorker } = proxyActivities<SystemActivities>(QUICK);

export interface PingResult {
  message: string;
  worker: WorkerDescription;
}

/** Round-trips one activity through a worker: proof that the worker polls and answers. */
export async function pingWorker(message: string): Promise<PingResult> {
  const worker = await describeWorker();
  return { message, worker };
}
