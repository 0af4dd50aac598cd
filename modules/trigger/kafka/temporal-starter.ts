import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowOptions } from '@temporalio/client';
import type { StartRequest, WorkflowStarter } from './contract';

/** How one record starts: the arguments, more start options, and (rarely) another workflow id. */
export interface PreparedStart {
  args: unknown[];
  /** Memo, search attributes, timeouts, eager start… */
  options?: Omit<Partial<WorkflowOptions>, 'workflowId' | 'taskQueue' | 'args' | 'workflowIdReusePolicy' | 'workflowIdConflictPolicy'>;
  /** Replaces the record's id, e.g. by one derived from an idempotency key the record carries. */
  workflowId?: string;
}

export interface TemporalStarterOptions {
  client: Client;
  workflowType: string;
  taskQueue: string;
  /** Throwing InputError dead-letters the record (it can never start); other errors are retried. */
  prepare: (request: StartRequest) => PreparedStart | Promise<PreparedStart>;
}

/**
 * A WorkflowStarter on a Temporal client: starts `workflowType` under the record's workflow id
 * with the reject-duplicate policy, so a record delivered twice starts once. "Already started"
 * answers 'duplicate'; every other error is thrown for the bridge to retry (or, InputError,
 * to dead-letter).
 */
export function createTemporalStarter(options: TemporalStarterOptions): WorkflowStarter {
  return async (request) => {
    const prepared = await options.prepare(request);
    try {
      await options.client.workflow.start(options.workflowType, {
        ...prepared.options,
        args: prepared.args,
        taskQueue: options.taskQueue,
        workflowId: prepared.workflowId ?? request.workflowId,
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        workflowIdConflictPolicy: 'FAIL',
      });
      return 'started';
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return 'duplicate';
      throw err;
    }
  };
}
