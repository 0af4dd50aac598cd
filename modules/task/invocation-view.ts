import type { FunctionErrorInfo, InvocationLogs, InvocationMode, InvocationPath, InvocationStatus } from '../../contracts/invocation';

/** An invocation as the API shows it, whatever its state. */
export interface InvocationView {
  invocationId: string;
  functionName: string;
  version?: number;
  /** The alias the version was drawn from, when invoked by alias. */
  alias?: string;
  mode?: InvocationMode;
  trigger?: string;
  /** The principal that invoked it over the API. */
  caller?: string;
  status: InvocationStatus;
  result?: unknown;
  error?: FunctionErrorInfo;
  logs?: InvocationLogs;
  coldStart?: boolean;
  attempts?: number;
  durationMs?: number;
  /** The worker node that ran the last attempt. */
  nodeId?: string;
  /** How the last attempt ran: `local` (the fast path, inside the workflow task) or `placed` (an activity). */
  path?: InvocationPath;
  startedAt?: string;
  finishedAt?: string;
}

export interface InvocationPage {
  items: InvocationView[];
  /** Pass as `pageToken` for the next page; absent on the last page. */
  nextPageToken?: string;
}
