import type { Client } from '@temporalio/client';
import type { Logger } from '../common/logger';
import type { FunctionService } from '../modules/meta/functions';
import { FunctionNotFoundError } from '../modules/meta/functions';
import type { NodeService } from '../modules/meta/nodes';
import type { ModuleRegistry } from '../modules/registry';
import type { MetricsSample, ScalingPolicy, ScalingState } from '../contracts/scaling';
import { distribute, type ScalingModule } from '../modules/scaling';
import type { ExecutionPool } from '../modules/worker/contract';
import { asActivity } from './failures';
import type { VersionSpecs } from './version-specs';

export interface ScalingActivityDeps {
  client: Client;
  functions: FunctionService;
  nodes: NodeService;
  registry: ModuleRegistry;
  logger: Logger;
}

/** Cumulative counters from the nodes, kept by the scaler to turn them into per-tick deltas. */
export type Counters = Record<string, { invocations: number; coldStarts: number }>;

export interface ScalingView {
  /** False when the function is gone: the scaler ends. */
  exists: boolean;
  version?: number;
  sample?: MetricsSample;
  counters: Counters;
  /** Live nodes: their capacity, queue, and warm instances of the active version. */
  nodes: Array<{ nodeId: string; taskQueue: string; capacity: number; warm: number; target: number }>;
  /** Warm instances of the active version now, all nodes (on-demand cold starts included). */
  current: number;
  /** What the scaler keeps now: the sum of the nodes' targets. */
  kept: number;
}

export interface ScalingVerdict {
  desired: number;
  perNode: Record<string, number>;
  reason: string;
  mode: string;
  state: ScalingState;
  /** How far back the module wants samples. */
  historyMs: number;
}

const quote = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export function createScalingActivities(deps: ScalingActivityDeps) {
  const scalingModule = (id: string) => deps.registry.get<ScalingModule>('scaling', id);

  return {
    /** One metrics sample of the function's active version: nodes' heartbeats plus async invocations queued in Temporal. */
    async readScalingMetrics({ functionName, counters }: { functionName: string; counters: Counters }): Promise<ScalingView> {
      let fn;
      try {
        fn = await deps.functions.get(functionName);
      } catch (err) {
        if (err instanceof FunctionNotFoundError) return { exists: false, counters, nodes: [], current: 0, kept: 0 };
        throw err;
      }
      const version = fn.activeVersion ?? undefined;
      const nodes = await deps.nodes.alive();
      // Invocations open in Temporal, by status: heartbeats are up to 2 s old and miss the short ones.
      const open = `WorkflowType = 'invokeFunction' AND ExecutionStatus = 'Running' AND PyFaaSFunction = ${quote(functionName)}`;
      const [queued, running] = await Promise.all(
        ['queued', 'running'].map(async (status) => (await deps.client.workflow.count(`${open} AND PyFaaSStatus = '${status}'`)).count),
      );
      let inFlight = 0;
      let arrivals = 0;
      let coldStarts = 0;
      const next: Counters = {};
      const instances: MetricsSample['instances'] = {};
      const view: ScalingView['nodes'] = [];
      for (const node of nodes) {
        let warm = 0;
        let target = 0;
        for (const held of node.functions.filter((f) => f.functionName === functionName)) {
          inFlight += held.busy;
          const key = `${node.nodeId}/${held.version}`;
          const before = counters[key] ?? { invocations: 0, coldStarts: 0 };
          // A restarted node starts its counters again from 0.
          arrivals += Math.max(0, held.invocations - (held.invocations >= before.invocations ? before.invocations : 0));
          coldStarts += Math.max(0, held.coldStarts - (held.coldStarts >= before.coldStarts ? before.coldStarts : 0));
          next[key] = { invocations: held.invocations, coldStarts: held.coldStarts };
          if (held.version === version) {
            warm = held.warm;
            target = held.target;
            instances[node.nodeId] = { warm: held.warm, busy: held.busy };
          }
        }
        view.push({ nodeId: node.nodeId, taskQueue: node.taskQueue, capacity: node.capacity, warm, target });
      }
      inFlight = Math.max(inFlight, running);
      const current = view.reduce((sum, node) => sum + node.warm, 0);
      const kept = view.reduce((sum, node) => sum + node.target, 0);
      return { exists: true, version, counters: next, nodes: view, current, kept, sample: { at: Date.now(), inFlight, queued, arrivals, coldStarts, instances } };
    },

    /** Calls the policy's scaling module (pure) and spreads its total over the live nodes. */
    async decideScaling(input: {
      policy: ScalingPolicy; samples: MetricsSample[]; now: number; current: number; state?: ScalingState;
      nodes: Array<{ nodeId: string; capacity: number; warm: number }>;
    }): Promise<ScalingVerdict> {
      return asActivity(async () => {
        const scaling = scalingModule(input.policy.module);
        const params = scaling.parseParams(input.policy.params);
        const decision = scaling.decide({ params, samples: input.samples, now: input.now, current: input.current, state: input.state });
        const perNode = decision.perNode ?? distribute(decision.desired, input.nodes);
        return { desired: decision.desired, perNode, reason: decision.reason, mode: decision.mode, state: decision.state, historyMs: scaling.historyMs(params) };
      });
    },
  };
}

/** Runs on a node's own queue: this node keeps `count` warm instances of the version. */
export function createNodeScalingActivities(deps: { specs: VersionSpecs; pool: ExecutionPool }) {
  return {
    async setWarmInstances({ functionName, version, count }: { functionName: string; version: number; count: number }): Promise<{ started: number; stopped: number }> {
      return asActivity(async () => deps.pool.setWarm(await deps.specs.get(functionName, version), count));
    },
  };
}

export type ScalingActivities = ReturnType<typeof createScalingActivities>;
export type NodeScalingActivities = ReturnType<typeof createNodeScalingActivities>;
