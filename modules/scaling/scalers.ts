import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { InputError } from '../../common/errors';
import type { ScalerStatus, ScalingPolicy } from '../../contracts/scaling';
import type { ScalingModule } from './contract';

export class UnknownScalingModuleError extends InputError {
  override readonly code: string = 'UNKNOWN_SCALING_MODULE';
}

/** The scaler workflow of a function is `scaler:<function>`. */
export function scalerId(functionName: string): string {
  return `scaler:${functionName}`;
}

export interface ScalersDeps {
  client: Client;
  taskQueue: string;
  /** The registered scaling module, or undefined. */
  module: (id: string) => ScalingModule | undefined;
  moduleIds: () => string[];
}

/** Starts, steers and stops the scaler workflows (one per function) and reads their status. */
export class Scalers {
  private readonly lastWake = new Map<string, number>();

  constructor(private readonly deps: ScalersDeps) {}

  /** Throws UnknownScalingModuleError, or the module's InputError for bad params. */
  validate(policy: ScalingPolicy): void {
    const scaling = this.deps.module(policy.module);
    if (!scaling) throw new UnknownScalingModuleError(`Unknown scaling module ${JSON.stringify(policy.module)}; available: ${this.deps.moduleIds().join(', ')}.`);
    scaling.parseParams(policy.params);
  }

  /** Starts the function's scaler with this policy, or hands a running one the policy. */
  async follow(functionName: string, policy: ScalingPolicy): Promise<void> {
    await this.deps.client.workflow.signalWithStart('scaleFunction', {
      taskQueue: this.deps.taskQueue,
      workflowId: scalerId(functionName),
      args: [{ functionName, policy }],
      signal: 'setScalingPolicy',
      signalArgs: [policy],
      memo: { functionName },
    });
  }

  /**
   * A cold start happened: a scaler resting between idle ticks looks again now. At most one
   * signal per function a second; failures (no scaler yet) are ignored.
   */
  wake(functionName: string): void {
    const now = Date.now();
    if ((this.lastWake.get(functionName) ?? 0) > now - 1000) return;
    this.lastWake.set(functionName, now);
    void this.deps.client.workflow.getHandle(scalerId(functionName)).signal('wakeScaler').catch(() => undefined);
  }

  /** Ends the scaler; nothing to do when there is none. */
  async stop(functionName: string): Promise<void> {
    try {
      await this.deps.client.workflow.getHandle(scalerId(functionName)).signal('stopScaler');
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }

  /** The scaler's policy and last decisions; undefined when it is not running. */
  async status(functionName: string): Promise<ScalerStatus | undefined> {
    try {
      return await this.deps.client.workflow.getHandle(scalerId(functionName)).query<ScalerStatus>('scalerStatus');
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }
}
