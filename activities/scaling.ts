import type { Client } from '@temporalio/client';
import type { Logger } from '../common/logger';
import type { MetricsSample, ScalingPolicy, ScalingRecord, ScalingState } from '../contracts/scaling';
import { FUNCTION_KEY, STATUS_KEY } from '../contracts/search-attributes';
import type { FunctionReads } from '../modules/meta/function-reads';
import { FunctionNotFoundError } from '../modules/meta/functions';
import type { NodeService } from '../modules/meta/nodes';
import type { ScalingHistory } from '../modules/meta/scaling-history';
import type { ModuleRegistry } from '../modules/registry';
import { DEFAULT_SCALING_POLICY, distribute, type ScalingModule } from '../modules/scaling';
import type { ExecutionPool } from '../modules/worker/contract';
import type { ScalerRecorder } from '../modules/observability';
import { visibilityLiteral } from '../common/visibility-query';
import { asActivity } from './failures';
import type { VersionSpecs } from './version-specs';

export interface ScalingActivityDeps {
  client: Client;
  /** Cached per process: sampling the awake functions reads the meta store only after a change. */
  reads: FunctionReads;
  nodes: NodeService;
  history: ScalingHistory;
  registry: ModuleRegistry;
  logger: Logger;
  /** Where each decision's desired and current instances are recorded (absent: nowhere). */
  metrics?: ScalerRecorder;
}

/** Cumulative counters from the nodes, kept by the scaler to turn them into per-tick deltas. */
export type Counters = Record<string, { invocations: number; coldStarts: number }>;

/** A live node as the scaler addresses it. */
export interface ScalingNode {
  nodeId: string;
  taskQueue: string;
  capacity: number;
}

/** One function in a sample. */
export interface FunctionView {
  functionName: string;
  /** False when the function is gone: the scaler forgets it. */
  exists: boolean;
  version?: number;
  /**
   * The policy stored with the function (the default when it names none), on its first sample
   * after waking only: later changes arrive by signal, so a tick does not record it again.
   */
  policy?: ScalingPolicy;
  /** Its metrics now; `instances` names the nodes holding warm instances of the active version. */
  sample?: MetricsSample;
  counters: Counters;
  /** Warm instances each node keeps for the active version (nodes with a target only). */
  targets: Record<string, number>;
  /** Decisions stored when it last fell asleep or its shard continued as new (when asked for: the shard holds none yet). */
  restored?: ScalingRecord[];
}

/** What the shard asks about one awake function. */
export interface SampleRequest {
  functionName: string;
  /** The counters of its last sample; absent on its first since waking (this one is then the baseline). */
  counters?: Counters;
  /** The shard holds no decision of it yet: send the stored ones. */
  restore?: boolean;
}

/** One sample of every awake function of a shard, taken at once. */
export interface ScalingSample {
  nodes: ScalingNode[];
  functions: FunctionView[];
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

export interface DecideRequest {
  functionName: string;
  policy: ScalingPolicy;
  samples: MetricsSample[];
  current: number;
  state?: ScalingState;
  nodes: Array<{ nodeId: string; capacity: number; warm: number }>;
}

/** Open invocations listed per sample at most: past this the counts are lower bounds (demand is plainly high anyway). */
const MAX_LISTED_INVOCATIONS = 5000;

/**
 * Open invocations of the named functions by status, from one visibility listing. Temporal's
 * `count … GROUP BY` groups by ExecutionStatus only (the dev server refuses a custom keyword),
 * so one list of the open invocations, tallied here, replaces two counts per function: its
 * cost follows the number of open invocations, that is demand.
 */
async function openInvocations(client: Client, functionNames: string[]): Promise<Map<string, { queued: number; running: number }>> {
  const tally = new Map<string, { queued: number; running: number }>();
  if (functionNames.length === 0) return tally;
  const query = `WorkflowType = 'invokeFunction' AND ExecutionStatus = 'Running' AND PyFaaSFunction IN (${functionNames.map(visibilityLiteral).join(', ')})`;
  let listed = 0;
  for await (const execution of client.workflow.list({ query, pageSize: 1000 })) {
    const name = execution.typedSearchAttributes.get(FUNCTION_KEY);
    const status = execution.typedSearchAttributes.get(STATUS_KEY);
    if (name !== undefined && (status === 'queued' || status === 'running')) {
      const entry = tally.get(name) ?? { queued: 0, running: 0 };
      entry[status] += 1;
      tally.set(name, entry);
    }
    listed += 1;
    if (listed >= MAX_LISTED_INVOCATIONS) break;
  }
  return tally;
}

export function createScalingActivities(deps: ScalingActivityDeps) {
  const scalingModule = (id: string) => deps.registry.get<ScalingModule>('scaling', id);

  /** One function's view from the nodes' heartbeats and its open invocations. `counters` absent: its first sample since waking. */
  async function viewOf(
    { functionName, counters, restore }: SampleRequest, nodes: Awaited<ReturnType<NodeService['alive']>>, open: { queued: number; running: number } | undefined, at: number,
  ): Promise<FunctionView> {
    let fn;
    try {
      fn = await deps.reads.get(functionName);
    } catch (err) {
      if (err instanceof FunctionNotFoundError) return { functionName, exists: false, counters: {}, targets: {} };
      throw err;
    }
    const restored = restore ? (await deps.history.get(functionName))?.decisions : undefined;
    const version = fn.activeVersion ?? undefined;
    let inFlight = 0;
    let arrivals = 0;
    let coldStarts = 0;
    const next: Counters = {};
    const instances: MetricsSample['instances'] = {};
    const targets: FunctionView['targets'] = {};
    for (const node of nodes) {
      for (const entry of node.functions.filter((f) => f.functionName === functionName)) {
        inFlight += entry.busy;
        const key = `${node.nodeId}/${entry.version}`;
        next[key] = { invocations: entry.invocations, coldStarts: entry.coldStarts };
        // The first sample after waking is the baseline; a restarted node starts its counters again from 0.
        const before = counters === undefined ? next[key] : (counters[key] ?? { invocations: 0, coldStarts: 0 });
        arrivals += Math.max(0, entry.invocations - (entry.invocations >= before.invocations ? before.invocations : 0));
        coldStarts += Math.max(0, entry.coldStarts - (entry.coldStarts >= before.coldStarts ? before.coldStarts : 0));
        if (entry.version === version) {
          if (entry.target > 0) targets[node.nodeId] = entry.target;
          if (entry.warm > 0) instances[node.nodeId] = { warm: entry.warm, busy: entry.busy };
        }
      }
    }
    // Visibility sees the short invocations a heartbeat (up to 2 s old) misses.
    inFlight = Math.max(inFlight, open?.running ?? 0);
    const sample = version === undefined ? undefined : { at, inFlight, queued: open?.queued ?? 0, arrivals, coldStarts, instances };
    return {
      functionName, exists: true, version, sample, counters: next, targets,
      ...(counters === undefined ? { policy: fn.scaling ?? DEFAULT_SCALING_POLICY } : {}), ...(restored ? { restored } : {}),
    };
  }

  return {
    /**
     * One metrics sample of all the shard's awake functions: one read of the nodes'
     * heartbeats and one visibility listing of their open invocations, whatever their number.
     */
    async sampleScaling({ functions }: { functions: SampleRequest[] }): Promise<ScalingSample> {
      const names = functions.map((f) => f.functionName);
      const [nodes, open] = await Promise.all([deps.nodes.alive(), openInvocations(deps.client, names)]);
      const at = Date.now();
      const views = await Promise.all(functions.map((f) => viewOf(f, nodes, open.get(f.functionName), at)));
      return { nodes: nodes.map((node) => ({ nodeId: node.nodeId, taskQueue: node.taskQueue, capacity: node.capacity })), functions: views };
    },

    /**
     * Calls each function's scaling module (pure) and spreads its total over the live nodes.
     * A module that throws costs only its own function this tick: its entry is the error.
     */
    async decideScaling({ functions, now }: { functions: DecideRequest[]; now: number }): Promise<Record<string, ScalingVerdict | { error: string }>> {
      const verdicts: Record<string, ScalingVerdict | { error: string }> = {};
      for (const input of functions) {
        try {
          const scaling = scalingModule(input.policy.module);
          const params = scaling.parseParams(input.policy.params);
          const decision = scaling.decide({ params, samples: input.samples, now, current: input.current, state: input.state });
          const perNode = decision.perNode ?? distribute(decision.desired, input.nodes);
          deps.metrics?.decided(input.functionName, decision.desired, input.nodes.reduce((sum, node) => sum + node.warm, 0));
          verdicts[input.functionName] = { desired: decision.desired, perNode, reason: decision.reason, mode: decision.mode, state: decision.state, historyMs: scaling.historyMs(params) };
        } catch (err) {
          deps.logger.warn({ err, functionName: input.functionName, module: input.policy.module }, 'scaling module failed; keeping what the function has');
          verdicts[input.functionName] = { error: (err as Error).message };
        }
      }
      return verdicts;
    },

    /** Stores the last decisions of functions falling asleep, so the API and the next wake-up still have them. */
    async rememberScaling({ functions }: { functions: Array<{ functionName: string; policy?: ScalingPolicy; decisions: ScalingRecord[] }> }): Promise<void> {
      return asActivity(async () => {
        await deps.history.keep(functions);
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
