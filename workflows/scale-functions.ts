import { condition, continueAsNew, defineQuery, defineSignal, proxyActivities, proxyLocalActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Counters, DecideRequest, FunctionView, NodeScalingActivities, ScalingActivities, ScalingNode } from '../activities/scaling';
import { SCALER_TICK_MS, type MetricsSample, type ScalerStatus, type ScalingPolicy, type ScalingRecord, type ScalingState } from '../contracts/scaling';

/** What the shard keeps for one awake function; carried over continue-as-new. */
export interface AwakeFunction {
  /** Absent until its first sample (the stored policy) or a setScalingPolicy signal. */
  policy?: ScalingPolicy;
  samples: MetricsSample[];
  state?: ScalingState;
  /** Absent until its first sample since waking, which is then the baseline of the counters. */
  counters?: Counters;
  decisions: ScalingRecord[];
  /** Since when (sample time) every sample found it idle; absent while it is not. */
  idleSince?: number;
  /** Woken and not decided since: its next decision is recorded even if it repeats the last one. */
  woken?: boolean;
}

export interface ScalerShardInput {
  /** The shard's name (`<taskQueue>/<n>`), shown in the Temporal UI. */
  shard: string;
  /** How often it decides while it holds an awake function. Default SCALER_TICK_MS (2 s). */
  tickMs?: number;
  /** Ticks per workflow run before it continues as new (bounds one run's history). Default 300. */
  ticksPerRun?: number;
  /** Carried over continue-as-new. */
  carried?: Record<string, AwakeFunction>;
}

export interface ScalerShardResult {
  ticks: number;
  reason: string;
  /** The functions that fell asleep in this run. */
  asleep: string[];
}

/** A function's policy changed: it wakes (if asleep) and the shard decides with the new policy at once. */
export const setScalingPolicySignal = defineSignal<[string, ScalingPolicy]>('setScalingPolicy');
/** Demand arrived for a function (placement found no warm instance, or a node cold-started one). */
export const wakeScalerSignal = defineSignal<[string]>('wakeScaler');
/** The function is being deleted: no more decisions for it. */
export const forgetFunctionSignal = defineSignal<[string]>('forgetFunction');
/** One function's policy and last decisions (null when this run has not held it). */
export const scalerStatusQuery = defineQuery<ScalerStatus | null, [string]>('scalerStatus');
/** Which functions this run holds awake and which fell asleep in it. */
export const scalerShardQuery = defineQuery<{ shard: string; awake: string[]; asleep: string[] }>('scalerShard');

const KEPT_DECISIONS = 30;
const TICKS_PER_RUN = 300;
/** Functions that fell asleep in this run and still answer the query from the workflow (older ones: the API's stored copy). */
const KEPT_SLEEPERS = 100;
/**
 * How long a function must look idle before it falls asleep: longer than a node's heartbeat
 * interval (2 s), so an instance just started (a deployment's, a cold start's) shows in a
 * heartbeat first, and longer than a tick, so one late visibility record cannot put it to
 * sleep. Ticks a newcomer brings forward do not shorten it.
 */
const IDLE_MS_TO_SLEEP = 5000;

// Sampling and deciding are local activities: a tick is one workflow task (timer fired → two
// markers → next timer) rather than three with an activity task between them, which halves
// what a tick costs the server and what it adds to the history.
const { sampleScaling, decideScaling } = proxyLocalActivities<ScalingActivities>({ startToCloseTimeout: '5 seconds', retry: { maximumAttempts: 3 } });
const { rememberScaling } = proxyActivities<ScalingActivities>({ startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 3 } });

function onNode(taskQueue: string) {
  return proxyActivities<NodeScalingActivities>({ taskQueue, scheduleToStartTimeout: '5 seconds', startToCloseTimeout: '60 seconds', retry: { maximumAttempts: 1 } });
}

const warmOf = (view: FunctionView) => Object.values(view.sample?.instances ?? {}).reduce((sum, node) => sum + node.warm, 0);
const keptOf = (view: FunctionView) => Object.values(view.targets).reduce((sum, target) => sum + target, 0);

function record(held: AwakeFunction, decision: ScalingRecord): void {
  const last = held.decisions[held.decisions.length - 1];
  const repeats = last && last.desired === decision.desired && last.reason === decision.reason && last.current === decision.current;
  // The first decision after a wake-up always shows: it is when the scaler looked again.
  if (repeats && !held.woken) return;
  held.woken = false;
  held.decisions.push(decision);
  if (held.decisions.length > KEPT_DECISIONS) held.decisions.splice(0, held.decisions.length - KEPT_DECISIONS);
}

/**
 * The scaler of a shard of the platform's functions (every function, with the default single
 * shard). It holds only *awake* functions — with warm instances or demand — and evaluates them
 * together: each tick one sample of all of them (`sampleScaling`: one heartbeat read and one
 * visibility listing), one local activity in which each function's own scaling module decides,
 * and a `setWarmInstances` to each node whose target moves. A function idle for 5 s (no warm
 * instances, no demand, its module wanting 0) falls asleep: its decisions are stored
 * (`rememberScaling`) and it costs nothing until demand or a policy change signals it back
 * (`wakeScaler`, `setScalingPolicy`, sent with signalWithStart). With nothing awake the
 * workflow ends, so an idle platform has no scaler running at all.
 */
export async function scaleFunctions(input: ScalerShardInput): Promise<ScalerShardResult> {
  const awake = new Map<string, AwakeFunction>(Object.entries(input.carried ?? {}));
  const asleep = new Map<string, { policy?: ScalingPolicy; decisions: ScalingRecord[] }>();
  // A newcomer or a policy change: decide now rather than at the end of the tick.
  let due = false;
  const wake = (functionName: string): AwakeFunction => {
    let held = awake.get(functionName);
    if (!held) {
      held = { samples: [], decisions: asleep.get(functionName)?.decisions ?? [], woken: true };
      asleep.delete(functionName);
      awake.set(functionName, held);
      due = true;
    }
    return held;
  };
  setHandler(wakeScalerSignal, (functionName) => void wake(functionName));
  setHandler(setScalingPolicySignal, (functionName, policy) => {
    const held = wake(functionName);
    if (held.policy && held.policy.module !== policy.module) held.state = undefined;
    held.policy = policy;
    held.idleSince = undefined;
    due = true;
  });
  setHandler(forgetFunctionSignal, (functionName) => {
    awake.delete(functionName);
    asleep.delete(functionName);
  });
  setHandler(scalerStatusQuery, (functionName) => {
    const held = awake.get(functionName);
    if (held) return { functionName, policy: held.policy, decisions: held.decisions, awake: true };
    const slept = asleep.get(functionName);
    return slept ? { functionName, policy: slept.policy, decisions: slept.decisions, awake: false } : null;
  });
  setHandler(scalerShardQuery, () => ({ shard: input.shard, awake: [...awake.keys()], asleep: [...asleep.keys()] }));

  const tickMs = input.tickMs ?? SCALER_TICK_MS;
  for (let tick = 1; ; tick += 1) {
    if (awake.size === 0) return { ticks: tick - 1, reason: 'nothing is awake', asleep: [...asleep.keys()] };
    due = false;
    let sampled: Awaited<ReturnType<typeof sampleScaling>>;
    try {
      sampled = await sampleScaling({ functions: [...awake].map(([functionName, held]) => ({ functionName, counters: held.counters, restore: held.decisions.length === 0 })) });
    } catch {
      // The meta store or visibility did not answer (after the retries): try again next tick rather than fail the shard.
      await condition(() => due, tickMs);
      continue;
    }
    const { nodes, functions } = sampled;
    const now = Date.now();
    const deciding: Array<{ held: AwakeFunction; view: FunctionView; request: DecideRequest }> = [];
    for (const view of functions) {
      const held = awake.get(view.functionName);
      if (!held) continue; // forgotten while sampling
      if (!view.exists) {
        awake.delete(view.functionName);
        continue;
      }
      held.counters = view.counters;
      held.policy ??= view.policy;
      if (view.restored && held.decisions.length === 0) held.decisions = view.restored;
      // Not deployed yet: it stays awake (the deployment ends either way) and is decided once it is.
      if (!view.sample || !held.policy) continue;
      held.samples.push(view.sample);
      deciding.push({
        held, view,
        request: {
          functionName: view.functionName, policy: held.policy, samples: held.samples, state: held.state,
          // The module scales what the platform keeps; instances started on demand beyond it are demand, not capacity.
          current: keptOf(view),
          nodes: nodes.map((node) => ({ nodeId: node.nodeId, capacity: node.capacity, warm: view.sample?.instances[node.nodeId]?.warm ?? 0 })),
        },
      });
    }
    const verdicts = deciding.length > 0 ? await decideScaling({ functions: deciding.map((d) => d.request), now }) : {};
    const changes: Array<Promise<unknown>> = [];
    for (const { held, view, request } of deciding) {
      const verdict = verdicts[view.functionName];
      const current = warmOf(view);
      const at = new Date(now).toISOString();
      if (!verdict || 'error' in verdict) {
        const reason = `the ${request.policy.module} module failed (${verdict ? verdict.error : 'no verdict'}); keeping what it has`;
        record(held, { at, version: view.version, current, desired: request.current, perNode: {}, mode: 'error', reason });
        held.idleSince = undefined;
        continue;
      }
      held.state = verdict.state;
      held.samples = held.samples.filter((sample) => sample.at >= now - verdict.historyMs);
      changes.push(...nodeChanges(nodes, view, verdict.perNode));
      record(held, { at, version: view.version, current, desired: verdict.desired, perNode: verdict.perNode, mode: verdict.mode, reason: verdict.reason });
      const sample = view.sample!;
      const idle = verdict.desired === 0 && current === 0 && sample.inFlight + sample.queued + sample.arrivals === 0;
      held.idleSince = idle ? (held.idleSince ?? now) : undefined;
    }
    await Promise.allSettled(changes);
    await putToSleep(awake, asleep, now);
    if (awake.size === 0) continue;
    await condition(() => due, tickMs);
    if (tick >= (input.ticksPerRun ?? TICKS_PER_RUN) || workflowInfo().continueAsNewSuggested) {
      // The decisions are stored rather than carried (the next run's first sample brings them
      // back): the input stays within Temporal's payload limit for a few hundred awake functions.
      const store = [...awake].map(([functionName, held]) => ({ functionName, policy: held.policy, decisions: held.decisions }));
      const stored = await rememberScaling({ functions: store }).then(() => true, () => false);
      const carried = Object.fromEntries([...awake].map(([name, held]) => [name, stored ? { ...held, decisions: [] } : held]));
      await continueAsNew<typeof scaleFunctions>({ ...input, carried });
    }
  }
}

/** A node changes when its target moves, or when it holds other than its target (an instance died, or idle extras to stop). */
function nodeChanges(nodes: ScalingNode[], view: FunctionView, perNode: Record<string, number>): Array<Promise<unknown>> {
  return nodes
    .filter((node) => {
      const wanted = perNode[node.nodeId] ?? 0;
      return wanted !== (view.targets[node.nodeId] ?? 0) || wanted !== (view.sample?.instances[node.nodeId]?.warm ?? 0);
    })
    .map((node) => onNode(node.taskQueue).setWarmInstances({ functionName: view.functionName, version: view.version!, count: perNode[node.nodeId] ?? 0 }));
}

/**
 * Moves the functions idle long enough from `awake` to `asleep` before storing their decisions:
 * a wake-up signalled while they are being stored finds them gone and wakes them again.
 */
async function putToSleep(awake: Map<string, AwakeFunction>, asleep: Map<string, { policy?: ScalingPolicy; decisions: ScalingRecord[] }>, now: number): Promise<void> {
  const falling = [...awake].filter(([, held]) => held.idleSince !== undefined && now - held.idleSince >= IDLE_MS_TO_SLEEP);
  if (falling.length === 0) return;
  for (const [functionName, held] of falling) {
    awake.delete(functionName);
    asleep.set(functionName, { policy: held.policy, decisions: held.decisions });
  }
  for (const name of [...asleep.keys()].slice(0, Math.max(0, asleep.size - KEPT_SLEEPERS))) asleep.delete(name);
  try {
    await rememberScaling({ functions: falling.map(([functionName, held]) => ({ functionName, policy: held.policy, decisions: held.decisions })) });
  } catch {
    // Not stored: the API shows no decisions for them until they wake, but they sleep all the same.
  }
}
