import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { ConflictError, InputError } from '../../common/errors';
import type { InvocationMode, InvocationRecord, InvokeInput } from '../../contracts/invocation';
import type { FunctionRecord, FunctionVersionRecord } from '../meta/entities';
import type { FunctionReads } from '../meta/function-reads';
import { pickVersion } from './alias-pick';
import { IdempotencyKeyInUseError, NoActiveVersionError, platformError } from './errors';
import { INVOCATION_STATUSES, describeInvocation, listInvocations } from './invocation-queries';
import { INVOKE_WORKFLOW, idempotentInvocationId, invocationStart } from './invocation-start';
import type { InvocationPage, InvocationView } from './invocation-view';
import type { TaskAdmission } from '../policy-extensions';
import type { PayloadStore } from './payloads';
import type { SyncTurns } from './sync-turns';

export interface InvokeOptions {
  /** A version number; the active version when absent. */
  version?: number;
  /** An alias: the version is drawn by its weights. Not together with `version`. */
  alias?: string;
  trigger: string;
  /**
   * A repeated key gives the first invocation instead of starting another: async answers its
   * id, sync waits for its record (a caller retrying after a dropped connection gets the
   * answer of the run it started, not a second run).
   */
  idempotencyKey?: string;
  /** The principal asking (API invocations), recorded with the invocation. */
  caller?: string;
}

export interface InvokerDeps {
  client: Client;
  /** Cached per process: a warm invocation reads nothing from the meta store. */
  reads: FunctionReads;
  payloads: PayloadStore;
  taskQueue: string;
  /** Start the workflow eagerly on this process's worker (needs the worker's NativeConnection). */
  eagerStart: boolean;
  /** With eager starts: sync invocations take turns for the worker's workflow task slots. */
  syncTurns?: SyncTurns;
  /** The function policy's task modules, shown each request before its workflow starts. */
  admission?: TaskAdmission;
}

/** Starts invocations as `invokeFunction` workflows and reads them back from Temporal. */
export class Invoker {
  constructor(private readonly deps: InvokerDeps) {}

  /**
   * Throws FunctionNotFoundError, VersionNotFoundError, AliasNotFoundError, InputError for a
   * version and an alias together, or NoActiveVersionError / ConflictError for a version not ready.
   */
  async resolve(functionName: string, version?: number, alias?: string): Promise<{ fn: FunctionRecord; version: FunctionVersionRecord }> {
    if (version !== undefined && alias !== undefined) throw new InputError('Name a version or an alias, not both.');
    const fn = await this.deps.reads.get(functionName);
    const aliased = alias === undefined ? undefined : pickVersion((await this.deps.reads.alias(functionName, alias)).routes);
    const number = version ?? aliased ?? fn.activeVersion ?? undefined;
    if (number === undefined) throw new NoActiveVersionError(`Function ${JSON.stringify(functionName)} has no active version yet; its deployment has not completed.`);
    const record = await this.deps.reads.getVersion(functionName, number);
    if (record.status !== 'ready') throw new ConflictError(`Version ${number} of ${JSON.stringify(functionName)} is ${record.status}, not ready to invoke.`);
    return { fn, version: record };
  }

  /** Runs the invocation and waits for its record. Function errors are a failed record, not a throw. */
  async invokeSync(functionName: string, event: unknown, options: InvokeOptions): Promise<InvocationView> {
    const run = () => this.runSync(functionName, event, options);
    return this.deps.syncTurns ? this.deps.syncTurns.run(run) : run();
  }

  private async runSync(functionName: string, event: unknown, options: InvokeOptions): Promise<InvocationView> {
    const handle = await this.start(functionName, event, 'sync', options);
    if (options.idempotencyKey !== undefined) await this.assertSameCaller(handle, options.caller);
    const view = await this.awaitRecord(handle);
    return { ...view, ...(options.alias !== undefined ? { alias: options.alias } : {}), ...(options.caller !== undefined ? { caller: options.caller } : {}) };
  }

  /** Starts the invocation and returns its id at once (the first one's, for a repeated idempotency key). */
  async invokeAsync(functionName: string, event: unknown, options: InvokeOptions): Promise<{ invocationId: string }> {
    const handle = await this.start(functionName, event, 'async', options);
    return { invocationId: handle.workflowId };
  }

  /** Throws InvocationNotFoundError. */
  async get(invocationId: string): Promise<InvocationView> {
    return describeInvocation(this.deps.client, this.deps.payloads, invocationId);
  }

  async list(query: { functionName?: string; status?: string; caller?: string; limit: number; pageToken?: string }): Promise<InvocationPage> {
    if (query.status && !INVOCATION_STATUSES.includes(query.status as never)) {
      throw new InputError(`Unknown invocation status ${JSON.stringify(query.status)}; use one of ${INVOCATION_STATUSES.join(', ')}.`);
    }
    return listInvocations(this.deps.client, query);
  }

  /** Requests cancellation of a queued or running invocation; throws ConflictError when it already ended. */
  async cancel(invocationId: string): Promise<InvocationView> {
    const view = await this.get(invocationId);
    if (view.status !== 'queued' && view.status !== 'running') {
      throw new ConflictError(`Invocation ${invocationId} already ended (${view.status}); only queued or running invocations can be cancelled.`);
    }
    await this.deps.client.workflow.getHandle(invocationId).cancel();
    return { ...view, status: 'cancelled' };
  }

  private async start(functionName: string, event: unknown, mode: InvocationMode, options: InvokeOptions): Promise<WorkflowHandle> {
    const { fn, version } = await this.resolve(functionName, options.version, options.alias);
    await this.deps.admission?.admit(() => ({
      functionName, version: version.number, mode, trigger: options.trigger, caller: options.caller ?? null, labels: { ...fn.labels },
      event, eventBytes: Buffer.byteLength(JSON.stringify(event) ?? 'null'),
    }));
    const { value, ref } = await this.deps.payloads.inlineOrRef(event);
    const input: InvokeInput = {
      functionName, event: value, eventRef: ref, mode, trigger: options.trigger, alias: options.alias, caller: options.caller,
      plan: { version: version.number, retry: fn.retry, timeoutMs: version.config.timeoutMs, destinations: fn.destinations ?? {} },
    };
    const workflowId = options.idempotencyKey === undefined ? `${functionName}-${randomUUID()}` : idempotentInvocationId(functionName, options.idempotencyKey);
    try {
      const handle = await this.deps.client.workflow.start(INVOKE_WORKFLOW, {
        taskQueue: this.deps.taskQueue,
        workflowId,
        ...invocationStart(input),
        ...(options.idempotencyKey ? { workflowIdConflictPolicy: 'USE_EXISTING' as const, workflowIdReusePolicy: 'REJECT_DUPLICATE' as const } : {}),
        requestEagerStart: this.deps.eagerStart,
      });
      return handle;
    } catch (err) {
      // The key was used before and that invocation already ended: it is the answer.
      if (err instanceof WorkflowExecutionAlreadyStartedError) return this.deps.client.workflow.getHandle(workflowId);
      throw err;
    }
  }

  /**
   * A repeated key joins the first invocation, whose record (result included) the sync
   * caller then gets: only if the first was started by the same caller. Keys are per
   * function, so another caller's key must not reveal that caller's result.
   */
  private async assertSameCaller(handle: WorkflowHandle, caller: string | undefined): Promise<void> {
    const { memo } = await handle.describe();
    if ((memo?.caller ?? undefined) !== caller) {
      throw new IdempotencyKeyInUseError('This Idempotency-Key was already used for another caller\'s invocation of the function; choose another key.');
    }
  }

  private async awaitRecord(handle: WorkflowHandle): Promise<InvocationView> {
    try {
      const record = (await handle.result()) as InvocationRecord;
      const result = record.resultRef ? await this.deps.payloads.get(record.resultRef) : record.result;
      return { invocationId: handle.workflowId, ...record, result, resultRef: undefined } as InvocationView;
    } catch (err) {
      throw platformError(err, handle.workflowId);
    }
  }
}
