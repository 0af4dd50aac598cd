import { condition, continueAsNew, defineQuery, defineSignal, proxyActivities, proxyLocalActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Counters, NodeScalingActivities, ScalingActivities } from '../activities/scaling';
import type { MetricsSample, ScalerStatus, ScalingPolicy, ScalingRecord, ScalingState } from '../contracts/scaling';

export interface ScalerInput {
  functionName: string;
  policy: ScalingPolicy;
  /** How often it decides while the function has demand or instances. Default 2 s. */
  tickMs?: number;
  /** Decisions per workflow run before it continues as new (bounds the history). Default 300. */
  ticksPerRun?: number;
  /** Carried over continue-as-new. */
  carried?: { samples: MetricsSample[]; state?: ScalingState; counters: Counters; decisions: ScalingRecord[] };
}

export const setScalingPolicySignal = defineSignal<[ScalingPolicy]>('setScalingPolicy');
export const stopScalerSignal = defineSignal('stopScaler');
/** A node cold-started an instance: demand arrived, decide now instead of at the next (idle) tick. */
export const wakeScalerSignal = defineSignal('wakeScaler');
export const scalerStatusQuery = defineQuery<ScalerStatus>('scalerStatus');

/** With nothing warm and no demand, look again less often (an invocation cold-starts on its own meanwhile). */
const IDLE_TICK_MS = 10_000;
const KEPT_DECISIONS = 30;
const TICKS_PER_RUN = 300;

const { readScalingMetrics } = proxyActivities<ScalingActivities>({ startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 3 } });
const { decideScaling } = proxyLocalActivities<ScalingActivities>({ startToCloseTimeout: '5 seconds', retry: { maximumAttempts: 3 } });

function onNode(taskQueue: string) {
  return proxyActivities<NodeScalingActivities>({ taskQueue, scheduleToStartTimeout: '5 seconds', startToCloseTimeout: '60 seconds', retry: { maximumAttempts: 1 } });
}

/**
 * The scaler of one function, for as long as the function exists: every tick it reads a
 * metrics sample, asks the policy's scaling module for the warm instances wanted per node,
 * and tells each node that must change (pre-warm or drain). `scalerStatus` shows the last
 * decisions and their reasons; `setScalingPolicy` replaces the policy at once; it ends on
 * `stopScaler` or when the function is gone, and continues as new to bound its history.
 */
export async function scaleFunction(input: ScalerInput): Promise<{ ticks: number; reason: string }> {
  let policy = input.policy;
  let samples = input.carried?.samples ?? [];
  let state = input.carried?.state;
  let counters = input.carried?.counters ?? {};
  const decisions = input.carried?.decisions ?? [];
  let stop = false;
  let woken = false;
  setHandler(setScalingPolicySignal, (next) => {
    if (next.module !== policy.module) state = undefined;
    policy = next;
    woken = true;
  });
  setHandler(stopScalerSignal, () => {
    stop = true;
  });
  setHandler(wakeScalerSignal, () => {
    woken = true;
  });
  setHandler(scalerStatusQuery, () => ({ functionName: input.functionName, policy, decisions }));

  const tickMs = input.tickMs ?? 2000;
  for (let tick = 1; ; tick += 1) {
    if (stop) return { ticks: tick, reason: 'stopped' };
    const view = await readScalingMetrics({ functionName: input.functionName, counters });
    if (!view.exists) return { ticks: tick, reason: 'the function is gone' };
    counters = view.counters;
    let idle = true;
    if (view.version !== undefined && view.sample) {
      samples.push(view.sample);
      // The module scales what the platform keeps; instances started on demand beyond it are demand, not capacity.
      const verdict = await decideScaling({ policy, samples, now: Date.now(), current: view.kept, state, nodes: view.nodes });
      state = verdict.state;
      samples = samples.filter((sample) => sample.at >= Date.now() - verdict.historyMs);
      // A node changes when its target moves, or when it holds other than its target (an instance died, or idle extras to stop).
      const changes = view.nodes.filter((node) => {
        const wanted = verdict.perNode[node.nodeId] ?? 0;
        return wanted !== node.target || wanted !== node.warm;
      });
      await Promise.allSettled(
        changes.map((node) => onNode(node.taskQueue).setWarmInstances({ functionName: input.functionName, version: view.version!, count: verdict.perNode[node.nodeId] ?? 0 })),
      );
      const last = decisions[decisions.length - 1];
      if (!last || last.desired !== verdict.desired || last.reason !== verdict.reason || last.current !== view.current) {
        decisions.push({ at: new Date().toISOString(), version: view.version, current: view.current, desired: verdict.desired, perNode: verdict.perNode, mode: verdict.mode, reason: verdict.reason });
        if (decisions.length > KEPT_DECISIONS) decisions.splice(0, decisions.length - KEPT_DECISIONS);
      }
      const demand = view.sample.inFlight + view.sample.queued + view.sample.arrivals;
      idle = verdict.desired === 0 && view.current === 0 && demand === 0;
    }
    woken = false;
    await condition(() => stop || woken, idle ? IDLE_TICK_MS : tickMs);
    if (tick >= (input.ticksPerRun ?? TICKS_PER_RUN) || workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof scaleFunction>({ ...input, policy, carried: { samples, state, counters, decisions } });
    }
  }
}
