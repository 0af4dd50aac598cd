import type { FunctionErrorInfo, InvocationLogs, InvocationMode, InvocationStatus } from '../../workflows/contracts';

/** An invocation as the API shows it, whatever its state. */
export interface InvocationView {
  invocationId: string;
  functionName: string;
  version?: number;
  mode?: InvocationMode;
  trigger?: string;
  status: InvocationStatus;
  result?: unknown;
  error?: FunctionErrorInfo;
  logs?: InvocationLogs;
  coldStart?: boolean;
  attempts?: number;
  durationMs?: number;
  startedAt?: string;
  finishedAt?: string;
}

export interface InvocationPage {
  items: InvocationView[];
  /** Pass as `pageToken` for the next page; absent on the last page. */
  nextPageToken?: string;
}
