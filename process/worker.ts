import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { SetupError } from '../common/errors';
import type { Logger } from '../common/logger';
import { PACKAGE_ROOT } from '../common/paths';
import { createSystemActivities } from '../activities';
import { createDeleteActivities } from '../activities/delete';
import { createDeployActivities } from '../activities/deploy';
import { createDestinationActivities } from '../activities/destinations';
import { createInvokeActivities } from '../activities/invoke';
import { createPlacementActivities, nodeTaskQueue } from '../activities/placement';
import { createNodeScalingActivities, createScalingActivities } from '../activities/scaling';
import { createRolloutActivities } from '../activities/rollout';
import { createModuleActivities } from '../activities/modules';
import type { KafkaPublisher } from '../modules/trigger/kafka/publisher';
import type { TriggerService } from '../modules/trigger/service';
import type { Scalers } from '../modules/scaling/scalers';
import type { ExecutionPool } from '../modules/worker';
import type { Platform } from './platform';
import type { ActivityRecorders } from '../modules/observability';
import type { FunctionLogWriter } from '../modules/observability/logs';

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
  /** With the platform (and a client and pool), the worker runs every PyFaaS activity; without, only system ones. */
  platform?: PlatformDeps;
  /** Defaults to the prebundled code built by `npm run build`. */
  bundlePath?: string;
  /** Workflow tasks at once (worker.workflowTaskSlots); the SDK's default when absent. */
  workflowTaskSlots?: number;
}

export interface PlatformDeps {
  platform: Platform;
  client: Client;
  pool: ExecutionPool;
  triggers: TriggerService;
  scalers: Scalers;
  publisher: KafkaPublisher;
  deadLetterTopic: string;
  /** Where attempts, scaling decisions and destination deliveries record their metrics (absent: nowhere). */
  metrics?: ActivityRecorders;
  /** Where attempts' stdout/stderr go (absent: only the invocation records keep it). */
  functionLogs?: FunctionLogWriter;
}

function platformActivities({ platform, client, pool, triggers, scalers, publisher, deadLetterTopic, metrics, functionLogs }: PlatformDeps, taskQueue: string, nodeId: string, logger: Logger) {
  const { functions, artifacts, payloads, specs, runtime, depsCacheDir, nodes, placement, registry, reads, scalingHistory } = platform;
  return {
    ...createInvokeActivities({ nodeId, reads, specs, pool, payloads, logger, fastPath: placement.tryHereFirst, onColdStart: (fn) => scalers.wake(fn), metrics: metrics?.faas, functionLogs }),
    ...createPlacementActivities({ nodes, placement, taskQueue, localNodeId: nodeId, onNoWarmInstance: (fn) => scalers.wake(fn) }),
    ...createScalingActivities({ client, reads, nodes, history: scalingHistory, registry, logger, metrics: metrics?.scaler }),
    ...createNodeScalingActivities({ specs, pool }),
    ...createDestinationActivities({ publisher, payloads, deadLetterTopic, logger, metrics: metrics?.deliveries }),
    ...createDeployActivities({ artifacts, runtime, functions, specs, pool, depsCacheDir, logger }),
    ...createDeleteActivities({ client, functions, triggers, artifacts, specs, pool, logger }),
    ...createRolloutActivities({ client, functions, aliases: platform.aliases, specs, pool, logger }),
    ...createModuleActivities({ hub: platform.hub, registry, dataDir: platform.dataDir, policy: platform.modulePolicy, installed: platform.installed }),
  };
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
    ...(deps.platform ? platformActivities(deps.platform, deps.taskQueue, deps.nodeId, deps.logger) : {}),
  };
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    workflowBundle: { codePath },
    activities,
    identity: `pyfaas-${deps.nodeId}@${process.pid}`,
    maxConcurrentActivityTaskExecutions: 200,
    ...(deps.workflowTaskSlots ? { maxConcurrentWorkflowTaskExecutions: deps.workflowTaskSlots } : {}),
  });
}

/**
 * The worker on this node's own task queue (`<taskQueue>@<nodeId>`): the activities that must
 * run on this node, where placement and the scaler send them (an attempt, pre-warm, drain).
 */
export async function createNodeWorker(deps: Omit<WorkerDeps, 'platform' | 'bundlePath'> & { platform: PlatformDeps }): Promise<Worker> {
  const { platform, pool, payloads } = { ...deps.platform, payloads: deps.platform.platform.payloads };
  const { specs, reads } = platform;
  const invoke = createInvokeActivities({ nodeId: deps.nodeId, reads, specs, pool, payloads, logger: deps.logger, fastPath: false, onColdStart: (fn) => deps.platform.scalers.wake(fn), metrics: deps.platform.metrics?.faas, functionLogs: deps.platform.functionLogs });
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: nodeTaskQueue(deps.taskQueue, deps.nodeId),
    activities: { runFunction: invoke.runFunction, ...createNodeScalingActivities({ specs, pool }) },
    identity: `pyfaas-${deps.nodeId}@${process.pid}`,
    maxConcurrentActivityTaskExecutions: 200,
  });
}
