import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { ConflictError, NotFoundError } from '../../common/errors';
import type { AliasRouteSpec, RolloutInput, RolloutProgress } from '../../contracts/rollout';
import { FUNCTION_KEY, VERSION_KEY } from '../../contracts/search-attributes';
import { parseInput } from '../../common/validation';
import { ALIAS_NAME_RULE, VersionNotReadyError, type AliasService } from './aliases';
import { FUNCTION_NAME } from './function-input';
import { VersionNotFoundError, type FunctionService } from './functions';

export const ROLLOUT_WORKFLOW = 'rolloutFunction';

export class RolloutNotFoundError extends NotFoundError {
  override readonly code: string = 'ROLLOUT_NOT_FOUND';
}

/** A rollout of the same alias is already running. */
export class RolloutInProgressError extends ConflictError {
  override readonly code: string = 'ROLLOUT_IN_PROGRESS';
}

export const ROLLOUT_DEFAULTS = { steps: [10, 50, 100], stepPauseMs: 60_000, maxErrorRate: 0.05, minInvocations: 10 } as const;

export const startRolloutSchema = z
  .object({
    alias: z.string().regex(FUNCTION_NAME, ALIAS_NAME_RULE),
    version: z.number().int().min(1).max(2 ** 31 - 1),
    steps: z
      .array(z.number().int().min(1).max(100))
      .min(1)
      .max(20)
      .refine((steps) => steps.every((step, i) => i === 0 || step > steps[i - 1]), 'must be ascending')
      .refine((steps) => steps[steps.length - 1] === 100, 'must end at 100')
      .default([...ROLLOUT_DEFAULTS.steps]),
    stepPauseMs: z.number().int().min(100).max(86_400_000).default(ROLLOUT_DEFAULTS.stepPauseMs),
    maxErrorRate: z.number().min(0).max(1).default(ROLLOUT_DEFAULTS.maxErrorRate),
    minInvocations: z.number().int().min(0).max(1_000_000).default(ROLLOUT_DEFAULTS.minInvocations),
  })
  .strict();

export function rolloutId(functionName: string, alias: string): string {
  return `rollout:${functionName}:${alias}`;
}

/**
 * The version a rollout moves traffic away from: the alias's heaviest route other than the
 * new version. Throws ConflictError when the alias already sends everything to the new version.
 */
export function rolloutBase(routes: AliasRouteSpec[], toVersion: number): number {
  const others = routes.filter((route) => route.version !== toVersion && route.weight > 0).sort((a, b) => b.weight - a.weight);
  if (others.length === 0) throw new ConflictError(`The alias already sends all its traffic to version ${toVersion}; there is nothing to roll out.`);
  return others[0].version;
}

export interface RolloutsDeps {
  client: Client;
  taskQueue: string;
  functions: FunctionService;
  aliases: AliasService;
}

export interface RolloutView extends RolloutProgress {
  rolloutId: string;
  runId?: string;
}

/**
 * Starts `rolloutFunction` workflows (one running per alias: the workflow id is
 * `rollout:<function>:<alias>`) and reads their progress. The checks made here answer
 * at once; the workflow makes them again before it touches the alias.
 */
export class Rollouts {
  constructor(private readonly deps: RolloutsDeps) {}

  /** Throws InputError, FunctionNotFoundError, AliasNotFoundError, VersionNotReadyError, ConflictError, RolloutInProgressError. */
  async start(functionName: string, body: unknown): Promise<{ rolloutId: string; runId: string; input: RolloutInput }> {
    const request = parseInput(startRolloutSchema, body, 'rollout');
    const alias = await this.deps.aliases.get(functionName, request.alias);
    const version = await this.deps.functions.getVersion(functionName, request.version).catch((err: unknown) => {
      if (err instanceof VersionNotFoundError) return undefined;
      throw err;
    });
    if (!version) throw new VersionNotReadyError(`Function ${JSON.stringify(functionName)} has no version ${request.version}.`);
    if (version.status !== 'ready') throw new VersionNotReadyError(`Version ${request.version} of ${JSON.stringify(functionName)} is ${version.status}, not ready.`);
    rolloutBase(alias.routes, request.version);
    const input: RolloutInput = {
      functionName, alias: request.alias, toVersion: request.version, steps: request.steps,
      stepPauseMs: request.stepPauseMs, maxErrorRate: request.maxErrorRate, minInvocations: request.minInvocations,
    };
    const id = rolloutId(functionName, request.alias);
    try {
      const handle = await this.deps.client.workflow.start(ROLLOUT_WORKFLOW, {
        taskQueue: this.deps.taskQueue,
        workflowId: id,
        args: [input],
        // One running rollout per alias; a finished one may be followed by another.
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        memo: { functionName, alias: request.alias, toVersion: request.version },
        typedSearchAttributes: [
          { key: FUNCTION_KEY, value: functionName },
          { key: VERSION_KEY, value: String(request.version) },
        ],
      });
      return { rolloutId: id, runId: handle.firstExecutionRunId, input };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        throw new RolloutInProgressError(`A rollout of alias ${JSON.stringify(request.alias)} of ${JSON.stringify(functionName)} is already running (${id}).`);
      }
      throw err;
    }
  }

  /**
   * The rollout's progress: its query while it runs, its result once it ended (the latest
   * run, or `runId`). Throws RolloutNotFoundError.
   */
  async progress(id: string, runId?: string): Promise<RolloutView> {
    if (!/^rollout:[a-z0-9-]+:[a-z0-9-]+$/.test(id)) throw new RolloutNotFoundError(`No rollout ${id}.`);
    const handle = this.deps.client.workflow.getHandle(id, runId);
    let description;
    try {
      description = await handle.describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError || (err as { code?: number }).code === 3) throw new RolloutNotFoundError(`No rollout ${id}${runId ? ` run ${runId}` : ''}.`);
      throw err;
    }
    if (description.type !== ROLLOUT_WORKFLOW) throw new RolloutNotFoundError(`No rollout ${id}.`);
    const view = (progress: RolloutProgress): RolloutView => ({ rolloutId: id, runId: description.runId, ...progress });
    const status = description.status.name;
    if (status === 'RUNNING') return view(await handle.query<RolloutProgress>('rolloutProgress'));
    if (status === 'COMPLETED') return view((await handle.result()) as RolloutProgress);
    if (status === 'FAILED') {
      const failure = await handle.result().then(() => undefined, (err: unknown) => err);
      if (failure instanceof WorkflowFailedError && failure.cause instanceof ApplicationFailure && failure.cause.details?.[0]) {
        return view(failure.cause.details[0] as RolloutProgress);
      }
    }
    // Cancelled, terminated or timed out: what the workflow last knew, when a worker can replay it.
    const last = await handle.query<RolloutProgress>('rolloutProgress').catch(() => undefined);
    const memo = (description.memo ?? {}) as { functionName?: string; alias?: string; toVersion?: number };
    const fallback: RolloutProgress = {
      status: 'failed', functionName: memo.functionName ?? '', alias: memo.alias ?? '', toVersion: memo.toVersion ?? 0, steps: [],
    };
    return view({ ...(last ?? fallback), ...(last?.status === 'running' ? { status: 'failed' as const } : {}), reason: last?.reason ?? `The rollout workflow ended ${status.toLowerCase()}.` });
  }
}
