/**
 * What the scaler shard workflow, its activities, the scaling modules and the API share: a function's
 * scaling policy, the metrics samples and state a scaling module decides from, and the scaler's
 * status (its last decisions). Everything here is JSON-serialisable because it travels through
 * Temporal workflow history.
 */

/** How often the scaler decides while a function is awake; a sleeping function's first decision comes within it of the demand. */
export const SCALER_TICK_MS = 2000;

/** A function's scaling policy as stored: which scaling module decides, and its parameters. */
export interface ScalingPolicy {
  /** Id of a registered `scaling` module, e.g. `kpa` or `fixed`. */
  module: string;
  /** The module's parameters, validated by its `parseParams`. */
  params: Record<string, unknown>;
}

/** One node's instances of the function at the time of a sample. */
export interface NodeInstances {
  /** Instances started and loaded (idle or busy). */
  warm: number;
  /** Warm instances running an invocation now. */
  busy: number;
}

/** What the platform observed about one function at one moment. */
export interface MetricsSample {
  /** When it was taken, epoch ms. */
  at: number;
  /** Invocations running now, all nodes. */
  inFlight: number;
  /** Async invocations waiting to start: they count as demand like running ones. */
  queued: number;
  /** Invocations that arrived since the previous sample. */
  arrivals: number;
  /** Instances started on demand since the previous sample (an invocation waited for one). */
  coldStarts: number;
  /** How long the oldest queued invocation has waited, when anything is queued. */
  queueWaitMs?: number;
  /** Instances per node id. */
  instances: Record<string, NodeInstances>;
}

/**
 * What a module remembers between decisions. The platform stores the last decision's state and
 * hands it back unread; modules add their own JSON fields (KPA adds its panic deadline).
 */
export interface ScalingState {
  /** The total the module asked for in that decision. */
  desired: number;
}

/** One decision as the Temporal UI's query (and GET /v1/functions/{name}/scaling) shows it. */
export interface ScalingRecord {
  at: string;
  version?: number;
  current: number;
  desired: number;
  perNode: Record<string, number>;
  mode: string;
  reason: string;
}

/** What the scaler shard's `scalerStatus` query answers for one function: its policy and its last decisions. */
export interface ScalerStatus {
  functionName: string;
  /** Absent until the scaler has read the function once. */
  policy?: ScalingPolicy;
  /** Newest last; the last 30. */
  decisions: ScalingRecord[];
  /** True while the scaler evaluates the function every tick; false while it sleeps (no warm instances, no demand). */
  awake: boolean;
}
