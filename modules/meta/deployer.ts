import { randomUUID } from 'node:crypto';
import { WorkflowFailedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { NotFoundError, PyFaaSError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import type { DeployInput, DeployProgress } from '../../contracts/deployment';
import { FUNCTION_KEY, VERSION_KEY } from '../../contracts/search-attributes';
import type { ArtifactStore } from '../artifacts/artifact-store';
import type { PolicyExtensions } from '../policy-extensions';
import type { RuntimeModule } from '../runtime/contract';
import { functionMetadata, type FunctionMetadata, type MetadataChange } from './extension';
import type { FunctionRecord, FunctionVersionRecord } from './entities';
import { parseCreateFunction, parseUpdateFunction, type UpdateFunctionInput } from './function-input';
import type { FunctionService } from './functions';
import type { Scalers } from '../scaling/scalers';
import type { ExecutorSetting } from '../worker/adapter';
import {
  checkFunctionLimits, checkRuntimeEnabled, checkScalingAllowed, functionPolicySchema, runtimePolicySchema, scalingPolicySchema,
  withFunctionDefaults, withScalingDefault, type FunctionPolicy, type RuntimePolicy, type ScalingPolicyDocument,
} from './policy-kinds';

/** The platform policies a create or update obeys; the process's PolicyCache (modules/meta/policy-cache.ts) is one. */
export interface DeployPolicies {
  get<T>(kind: 'function' | 'scaling' | 'runtime'): Promise<T>;
}

interface InForce {
  fn: FunctionPolicy;
  scaling: ScalingPolicyDocument;
  runtime: RuntimePolicy;
}

/** Deployment errors the caller caused keep their step's code and answer 400. */
const INPUT_CODES = new Set(['SYNTAX_ERROR', 'DEPENDENCY_INSTALL_FAILED', 'HANDLER_LOAD_FAILED', 'INVALID_INPUT', 'LIMIT_EXCEEDED']);

export class DeploymentFailedError extends PyFaaSError {
  readonly status: number;
  constructor(
    readonly code: string,
    message: string,
    details?: Record<string, unknown>,
  ) {
    super(message, details);
    this.status = INPUT_CODES.has(code) ? 400 : 500;
  }
}

export interface DeploymentView extends DeployProgress {
  deploymentId: string;
  functionName: string;
  version: number;
}

export interface DeployerDeps {
  client: Client;
  taskQueue: string;
  functions: FunctionService;
  artifacts: ArtifactStore;
  runtime: (id: string) => RuntimeModule;
  scalers: Scalers;
  /** Throws UnknownWorkerAdapterError or the adapter's InputError (modules/worker/adapting-pool.ts `validateExecutor`). */
  validateExecutor?: (setting: ExecutorSetting, allowedEndpoints: readonly string[] | null) => void;
  /** Runs the function policy's meta modules (absent: none run). */
  extensions?: PolicyExtensions;
  /** The function, scaling and runtime policies (absent: their defaults, as if never set). */
  policies?: DeployPolicies;
  logger: Logger;
}

export interface Deployed {
  fn: FunctionRecord;
  deployment?: DeploymentView;
}

/**
 * Creates, updates and deletes functions: stages the code (archive checks answer at once),
 * writes the records, and runs the deploy or delete workflow — awaited unless `wait` is false.
 */
export class Deployer {
  constructor(private readonly deps: DeployerDeps) {}

  /**
   * Fields the request leaves out take the function and scaling policies' defaults. Throws
   * InputError for a bad request, PolicyViolationError (POLICY_VIOLATION) for one over a
   * policy's limit, RuntimeDisabledError for a runtime the runtime policy does not enable.
   */
  async create(body: unknown, wait: boolean): Promise<Deployed> {
    const policy = await this.inForce();
    const input = parseCreateFunction(withScalingDefault(withFunctionDefaults(body, policy.fn), policy.scaling));
    checkFunctionLimits(input, policy.fn);
    checkScalingAllowed(input.scaling, policy.scaling);
    this.deps.scalers.validate(input.scaling);
    if (input.executor) this.deps.validateExecutor?.(input.executor, policy.fn.limits.executorEndpoints);
    const runtime = this.deps.runtime(input.runtime);
    checkRuntimeEnabled(input.runtime, policy.runtime);
    const handler = runtime.parseHandler(input.handler);
    await this.checkMetadata(policy.fn, functionMetadata(input), { operation: 'create', changed: Object.keys(input).filter((field) => field !== 'code').sort() });
    const stagingId = randomUUID();
    const { codeHash } = await this.deps.artifacts.materialise(stagingId, input.code, handler.file);
    let created;
    try {
      created = await this.deps.functions.create(input, { codeHash });
    } catch (err) {
      await this.deps.artifacts.discard(stagingId);
      throw err;
    }
    try {
      const deployment = await this.deploy(created.fn, created.version, stagingId, wait);
      await this.deps.scalers.follow(input.name, input.scaling);
      return { fn: await this.deps.functions.get(input.name), deployment };
    } catch (err) {
      // A function whose first version cannot deploy is not created: nothing half-made stays.
      await this.deps.functions.remove(input.name).catch((e) => this.deps.logger.error({ err: e }, 'could not undo a failed create'));
      throw err;
    }
  }

  /**
   * `activate` false: a new version is built and ready but not made active (a rollout shifts
   * traffic to it). The policies' limits apply to the fields the patch sets (a function over a
   * lowered limit keeps its setting until a patch changes it); throws as `create` does.
   */
  async update(name: string, body: unknown, wait: boolean, activate = true): Promise<Deployed> {
    const { code, ...patch }: UpdateFunctionInput = parseUpdateFunction(body);
    const policy = await this.inForce();
    checkFunctionLimits(patch, policy.fn);
    if (patch.scaling) checkScalingAllowed(patch.scaling, policy.scaling);
    if (patch.scaling) this.deps.scalers.validate(patch.scaling);
    if (patch.executor) this.deps.validateExecutor?.(patch.executor, policy.fn.limits.executorEndpoints);
    const current = await this.deps.functions.get(name);
    const changed = Object.keys(patch).concat(code === undefined ? [] : ['code']).sort();
    await this.checkMetadata(policy.fn, functionMetadata({ ...current, ...patch }), { operation: 'update', changed });
    let staged: { stagingId: string; codeHash: string } | undefined;
    if (code !== undefined || patch.runtime !== undefined || patch.handler !== undefined) {
      const runtime = this.deps.runtime(patch.runtime ?? current.runtime);
      if (patch.runtime !== undefined) checkRuntimeEnabled(patch.runtime, policy.runtime);
      const handler = runtime.parseHandler(patch.handler ?? current.handler);
      if (code !== undefined) {
        const stagingId = randomUUID();
        staged = { stagingId, ...(await this.deps.artifacts.materialise(stagingId, code, handler.file)) };
      }
    }
    const { fn, version } = await this.deps.functions.update(name, patch, staged && { codeHash: staged.codeHash });
    if (patch.scaling) await this.deps.scalers.follow(name, patch.scaling);
    if (!version) return { fn };
    // Config-only changes rebuild from the version's stored code.
    const stagingId = staged?.stagingId ?? (await this.restage(version));
    const deployment = await this.deploy(fn, version, stagingId, wait, activate);
    return { fn: await this.deps.functions.get(name), deployment };
  }

  /** Starts deleteFunction after marking the function deleting; waits when asked. Throws FunctionNotFoundError. */
  async delete(name: string, wait: boolean): Promise<void> {
    const fn = await this.deps.functions.markDeleting(name);
    await this.deps.scalers.stop(name);
    const handle = await this.deps.client.workflow.start('deleteFunction', {
      taskQueue: this.deps.taskQueue,
      workflowId: `delete-${name}-${randomUUID().slice(0, 8)}`,
      args: [{ functionName: name, drainMs: fn.timeoutMs + 5000 }],
      typedSearchAttributes: [{ key: FUNCTION_KEY, value: name }],
    });
    if (wait) await handle.result();
  }

  /** Throws NotFoundError for an unknown deployment id. */
  async deployment(deploymentId: string): Promise<DeploymentView> {
    const match = /^deploy-(.+)-v(\d+)$/.exec(deploymentId);
    if (!match) throw new NotFoundError(`No deployment ${deploymentId}.`);
    const handle = this.deps.client.workflow.getHandle(deploymentId);
    try {
      const progress = await handle.query<DeployProgress>('deploymentProgress');
      return { deploymentId, functionName: match[1], version: Number(match[2]), ...progress };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new NotFoundError(`No deployment ${deploymentId}.`);
      throw err;
    }
  }

  private async deploy(fn: FunctionRecord, version: FunctionVersionRecord, stagingId: string, wait: boolean, activate = true): Promise<DeploymentView> {
    const deploymentId = `deploy-${fn.name}-v${version.number}`;
    const input: DeployInput = { functionName: fn.name, version: version.number, runtime: version.config.runtime, stagingId, activate };
    await this.deps.functions.updateVersion(fn.name, version.number, { deploymentId });
    const handle = await this.deps.client.workflow.start('deployFunction', {
      taskQueue: this.deps.taskQueue,
      workflowId: deploymentId,
      args: [input],
      typedSearchAttributes: [
        { key: FUNCTION_KEY, value: fn.name },
        { key: VERSION_KEY, value: String(version.number) },
      ],
    });
    const base = { deploymentId, functionName: fn.name, version: version.number };
    if (!wait) return { ...base, status: 'running', steps: [] };
    try {
      return { ...base, ...(await handle.result()) };
    } catch (err) {
      if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure) {
        const details = err.cause.details?.[0] as Record<string, unknown> | undefined;
        throw new DeploymentFailedError(err.cause.type ?? 'DEPLOYMENT_FAILED', err.cause.message, { ...details, deploymentId });
      }
      throw err;
    }
  }

  /** Throws the first refusal of the function policy's meta modules (modules/policy-extensions.ts). */
  private async checkMetadata(policy: FunctionPolicy, fn: FunctionMetadata, change: MetadataChange): Promise<void> {
    if (policy.metaChecks.length > 0 && this.deps.extensions) await this.deps.extensions.checkFunction(policy.metaChecks, fn, change);
  }

  /** The policies in force on this process (their defaults without a cache). */
  private async inForce(): Promise<InForce> {
    const policies = this.deps.policies;
    if (!policies) return { fn: functionPolicySchema.parse({}), scaling: scalingPolicySchema.parse({}), runtime: runtimePolicySchema.parse({}) };
    const [fn, scaling, runtime] = await Promise.all([
      policies.get<FunctionPolicy>('function'), policies.get<ScalingPolicyDocument>('scaling'), policies.get<RuntimePolicy>('runtime'),
    ]);
    return { fn, scaling, runtime };
  }

  /** Stages the stored code of an existing version again, for a rebuild with new config. */
  private async restage(version: FunctionVersionRecord): Promise<string> {
    const stagingId = randomUUID();
    await this.deps.artifacts.stageStored(stagingId, version.codeHash);
    return stagingId;
  }
}
