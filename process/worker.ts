import { existsSync } from 'node:fs';
import path from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import { SetupError } from '../common/errors';
import { PACKAGE_ROOT } from '../common/paths';
import type { Logger } from '../common/logger';
import { createSystemActivities } from '../activities';

/** Where `npm run build` writes the prebundled workflow code. */
export function workflowBundlePath(): string {
  return path.join(PACKAGE_ROOT, 'dist', 'workflow-bundle.js');
}

export interface WorkerDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  nodeId: string;
  logger: Logger;
  /** Defaults to the prebundled code built by `npm run build`. */
  bundlePath?: string;
}

/**
 * Creates the Temporal worker with the prebundled workflow code and every activity the
 * process offers. Throws SetupError when the bundle was not built.
 */
export async function createPyFaaSWorker(deps: WorkerDeps): Promise<Worker> {
  const codePath = deps.bundlePath ?? workflowBundlePath();
  if (!existsSync(codePath)) throw new SetupError(`The workflow bundle ${codePath} is missing; run \`npm run build\` first.`);
  const activities = {
    ...createSystemActivities({ nodeId: deps.nodeId, startedAt: new Date() }),
  };
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    workflowBundle: { codePath },
    activities,
    identity: `pyfaas-${deps.nodeId}@${process.pid}`,
  });
}
