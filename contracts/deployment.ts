/** Inputs and progress of the deploy and delete workflows, shared by the workflows and the deployer (modules/meta) that starts and reads them. */

export interface DeployInput {
  functionName: string;
  version: number;
  runtime: string;
  /** The staged, not yet validated code the API received. */
  stagingId: string;
  /** False: the version ends ready but not active (for a rollout through an alias). Default true. */
  activate?: boolean;
}

export type StepStatus = 'pending' | 'running' | 'done' | 'failed' | 'compensated';

export interface DeployProgress {
  status: 'running' | 'succeeded' | 'failed';
  steps: Array<{ name: string; status: StepStatus; error?: string }>;
  error?: { code: string; message: string; details?: unknown };
  previousVersion?: number;
}

export interface DeleteInput {
  functionName: string;
  /** How long running invocations may take to finish before they are cancelled. */
  drainMs: number;
}
