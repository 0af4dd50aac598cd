import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { InputError } from '../../common/errors';
import { visibilityLiteral } from '../../common/visibility-query';
import type { ScalerStatus, ScalingPolicy } from '../../contracts/scaling';
import type { ScalingHistory } from '../meta/scaling-history';
import { validateModuleConfig } from '../config-schema';
import type { ModuleManifest } from '../model';
import type { ScalingModule } from './contract';

export class UnknownScalingModuleError extends InputError {
  override readonly code: string = 'UNKNOWN_SCALING_MODULE';
}

/** The scaler workflow type: one per shard of the platform's functions. */
export const SCALER_WORKFLOW = 'scaleFunctions';

/** FNV-1a: a function's shard must not change between processes or restarts. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** The shard workflow id of a function: `scaler:<taskQueue>/<n>` (the task queue names the platform). */
export function scalerShardId(taskQueue: string, functionName: string, shards = 1): string {
  return `scaler:${scalerShardName(taskQueue, functionName, shards)}`;
}

function scalerShardName(taskQueue: string, functionName: string, shards: number): string {
  return `${taskQueue}/${hash(functionName) % shards}`;
}

export interface ScalersDeps {
  client: Client;
  taskQueue: string;
  /** The registered scaling module, or undefined. */
  module: (id: string) => ScalingModule | undefined;
  moduleIds: () => string[];
  /** The module's manifest (its configSchema is a second check of the params); absent: the parser alone judges. */
  manifest?: (id: string) => ModuleManifest | undefined;
  /** Where sleeping functions' last decisions are kept. */
  history: ScalingHistory;
  /**
   * Scaler shards (default 1, `PYFAAS_SCALER_SHARDS`): one workflow evaluates all the awake
   * functions of its shard each tick; more shards split that work (and its history) when very
   * many functions are awake at once.
   */
  shards?: number;
}

/** `Scalers.validate` without a Temporal client (the scaling policy's check at PUT time). */
export function validateScaling(deps: Pick<ScalersDeps, 'module' | 'moduleIds' | 'manifest'>, policy: ScalingPolicy, field = 'scaling.params'): void {
  const scaling = deps.module(policy.module);
  if (!scaling) throw new UnknownScalingModuleError(`Unknown scaling module ${JSON.stringify(policy.module)}; available: ${deps.moduleIds().join(', ')}.`);
  scaling.parseParams(policy.params);
  const manifest = deps.manifest?.(policy.module);
  if (manifest) validateModuleConfig(manifest, policy.params, field);
}

/** Wakes, steers and forgets functions in their scaler shard workflows, and reads their decisions. */
export class Scalers {
  private readonly lastWake = new Map<string, number>();

  constructor(private readonly deps: ScalersDeps) {}

  /**
   * Throws UnknownScalingModuleError, or InputError for bad params: first the module's own
   * parser (its messages are the better ones), then its manifest's configSchema, under `field`.
   */
  validate(policy: ScalingPolicy, field = 'scaling.params'): void {
    validateScaling(this.deps, policy, field);
  }

  /** Hands the function's shard the policy: the function wakes and is decided with it at once. */
  async follow(functionName: string, policy: ScalingPolicy): Promise<void> {
    await this.signalWithStart(functionName, 'setScalingPolicy', [functionName, policy]);
  }

  /**
   * Demand arrived for the function (no warm instance anywhere, or a cold start): a sleeping
   * function wakes and is decided within a tick. At most one signal per function a second from
   * this process; failures are ignored (the next demand wakes it).
   */
  wake(functionName: string): void {
    const now = Date.now();
    if ((this.lastWake.get(functionName) ?? 0) > now - 1000) return;
    this.lastWake.set(functionName, now);
    if (this.lastWake.size > 10_000) this.lastWake.clear();
    void this.signalWithStart(functionName, 'wakeScaler', [functionName]).catch(() => undefined);
  }

  /** The function is being deleted: its shard forgets it and its stored decisions go. */
  async stop(functionName: string): Promise<void> {
    try {
      await this.deps.client.workflow.getHandle(this.shardId(functionName)).signal('forgetFunction', functionName);
    } catch (err) {
      // Not found, or the shard's run already ended (nothing awake): nothing to forget there.
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    await this.deps.history.remove(functionName);
  }

  /**
   * The function's policy and last decisions: from its shard while it is awake (or fell asleep
   * in the shard's latest run), else the copy stored when it fell asleep; undefined when it
   * never had a decision.
   */
  async status(functionName: string): Promise<ScalerStatus | undefined> {
    try {
      const status = await this.deps.client.workflow.getHandle(this.shardId(functionName)).query<ScalerStatus | null, [string]>('scalerStatus', functionName);
      // Just woken (or its shard just continued as new), it has no decision in the shard yet: the stored ones are its last.
      if (status && status.decisions.length === 0) return { ...status, decisions: (await this.deps.history.get(functionName))?.decisions ?? [] };
      if (status) return status;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    const stored = await this.deps.history.get(functionName);
    return stored && { functionName, policy: stored.policy, decisions: stored.decisions, awake: false };
  }

  /**
   * Ends the one-per-function `scaleFunction` workflows that platforms before the shards ran
   * (`scaler:<function>`): their workflow type is gone, so each left open would fail a workflow
   * task every few seconds for ever — idle cost per function again. Returns how many it ended.
   */
  async retireLegacyScalers(): Promise<number> {
    const query = `WorkflowType = 'scaleFunction' AND ExecutionStatus = 'Running' AND TaskQueue = ${visibilityLiteral(this.deps.taskQueue)}`;
    let ended = 0;
    for await (const execution of this.deps.client.workflow.list({ query })) {
      await this.deps.client.workflow.getHandle(execution.workflowId, execution.runId).terminate('replaced by the scaleFunctions shard workflow');
      ended += 1;
    }
    return ended;
  }

  private shardId(functionName: string): string {
    return scalerShardId(this.deps.taskQueue, functionName, this.deps.shards);
  }

  private shardName(functionName: string): string {
    return scalerShardName(this.deps.taskQueue, functionName, this.deps.shards ?? 1);
  }

  private async signalWithStart(functionName: string, signal: string, signalArgs: unknown[]): Promise<void> {
    await this.deps.client.workflow.signalWithStart(SCALER_WORKFLOW, {
      taskQueue: this.deps.taskQueue,
      workflowId: this.shardId(functionName),
      args: [{ shard: this.shardName(functionName) }],
      signal,
      signalArgs,
      memo: { shard: this.shardName(functionName) },
    });
  }
}
