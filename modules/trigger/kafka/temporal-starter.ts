import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowOptions } from '@temporalio/client';
import type { StartRequest, WorkflowStarter } from './contract';

export interface TemporalStarterOptions {
  client: Client;
  workflowType: string;
  taskQueue: string;
  /** The workflow's arguments for one record. */
  args: (request: StartRequest) => unknown[];
  /** More start options for one record: memo, search attributes, timeouts, eager start. */
  startOptions?: (request: StartRequest) => Omit<Partial<WorkflowOptions>, 'workflowId' | 'taskQueue' | 'workflowIdReusePolicy' | 'workflowIdConflictPolicy'>;
}

/**
 * A WorkflowStarter on a Temporal client: starts `workflowType` under the record's workflow id
 * with the reject-duplicate policy, so a record delivered twice starts once. "Already started"
 * answers 'duplicate'; every other error is thrown for the bridge to retry (or, InputError,
 * to dead-letter).
 */
export function createTemporalStarter(options: TemporalStarterOptions): WorkflowStarter {
  return async (request) => {
    try {
      await options.client.workflow.start(options.workflowType, {
        ...options.startOptions?.(request),
        taskQueue: options.taskQueue,
        workflowId: request.workflowId,
        args: options.args(request),
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
