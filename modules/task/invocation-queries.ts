import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { InvocationNotFoundError, platformError } from './errors';
import type { InvocationMode, InvocationRecord, InvocationStatus } from '../../contracts/invocation';
import { VERSION_KEY } from '../../contracts/search-attributes';
import type { InvocationPage, InvocationView } from './invocation-view';
import type { PayloadStore } from './payloads';
import { visibilityLiteral } from '../../common/visibility-query';

export const INVOCATION_STATUSES: InvocationStatus[] = ['queued', 'running', 'succeeded', 'failed', 'timed_out', 'cancelled'];

/** Temporal's started-state of a pending activity (PENDING_ACTIVITY_STATE_STARTED). */
const ACTIVITY_STARTED = 2;

function keyword(fields: Record<string, temporal.api.common.v1.IPayload> | null | undefined, name: string): string | undefined {
  const data = fields?.[name]?.data;
  if (!data) return undefined;
  const value: unknown = JSON.parse(Buffer.from(data).toString('utf8'));
  return Array.isArray(value) ? String(value[0]) : String(value);
}

function statusOf(temporalStatus: string, indexed: string | undefined): InvocationStatus {
  switch (temporalStatus) {
    case 'CANCELLED':
    case 'TERMINATED':
      return 'cancelled';
    case 'TIMED_OUT':
      return 'timed_out';
    case 'FAILED':
      return 'failed';
    case 'COMPLETED':
      return INVOCATION_STATUSES.includes(indexed as InvocationStatus) ? (indexed as InvocationStatus) : 'succeeded';
    default:
      return indexed === 'running' ? 'running' : 'queued';
  }
}

/** One invocation from Temporal: describe, then the result when it has ended. Throws InvocationNotFoundError. */
export async function describeInvocation(client: Client, payloads: PayloadStore, invocationId: string): Promise<InvocationView> {
  const handle = client.workflow.getHandle(invocationId);
  let description;
  try {
    description = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new InvocationNotFoundError(`No invocation ${invocationId}.`);
    throw err;
  }
  if (description.type !== 'invokeFunction') throw new InvocationNotFoundError(`No invocation ${invocationId}.`);
  const memo = (description.memo ?? {}) as { functionName: string; version?: number; alias?: string; mode: InvocationMode; trigger: string; caller?: string };
  // Trigger starts learn their version when the workflow reads the function: see the search attribute.
  const version = memo.version ?? Number(description.typedSearchAttributes.get(VERSION_KEY) ?? NaN);
  const base: InvocationView = {
    invocationId,
    functionName: memo.functionName,
    version: Number.isNaN(version) ? undefined : version,
    ...(memo.alias !== undefined ? { alias: memo.alias } : {}),
    mode: memo.mode,
    trigger: memo.trigger,
    ...(memo.caller !== undefined ? { caller: memo.caller } : {}),
    status: 'queued',
    startedAt: description.startTime.toISOString(),
    finishedAt: description.closeTime?.toISOString(),
  };
  const temporalStatus = description.status.name;
  if (temporalStatus === 'RUNNING') {
    const pending = description.raw.pendingActivities ?? [];
    const started = pending.some((activity) => Number(activity.state) === ACTIVITY_STARTED);
    return { ...base, status: started ? 'running' : 'queued' };
  }
  if (temporalStatus !== 'COMPLETED') {
    const failure = await handle.result().then(() => undefined, (err: unknown) => platformError(err, invocationId));
    const message = failure instanceof Error ? failure.message : `The invocation ended ${temporalStatus.toLowerCase()}.`;
    return { ...base, status: statusOf(temporalStatus, undefined), error: { type: temporalStatus === 'FAILED' ? 'PlatformError' : temporalStatus, message } };
  }
  const record = (await handle.result()) as InvocationRecord;
  const result = record.resultRef ? await payloads.get(record.resultRef) : record.result;
  return {
    ...base, version: record.version, status: record.status, result, error: record.error, logs: record.logs, coldStart: record.coldStart,
    attempts: record.attempts, durationMs: record.durationMs, nodeId: record.nodeId, path: record.path,
  };
}

/** Invocations from Temporal visibility, newest first, by function and status. */
export async function listInvocations(
  client: Client,
  query: { functionName?: string; status?: string; caller?: string; limit: number; pageToken?: string },
): Promise<InvocationPage> {
  const clauses = [`WorkflowType = 'invokeFunction'`];
  if (query.functionName) clauses.push(`PyFaaSFunction = ${visibilityLiteral(query.functionName)}`);
  if (query.status) clauses.push(`PyFaaSStatus = ${visibilityLiteral(query.status)}`);
  if (query.caller) clauses.push(`PyFaaSCaller = ${visibilityLiteral(query.caller)}`);
  const response = await client.workflowService.listWorkflowExecutions({
    namespace: client.options.namespace,
    query: clauses.join(' AND '),
    pageSize: query.limit,
    nextPageToken: query.pageToken ? Buffer.from(query.pageToken, 'base64url') : undefined,
  });
  const items = (response.executions ?? []).map((execution): InvocationView => {
    const fields = execution.searchAttributes?.indexedFields;
    const indexed = keyword(fields, 'PyFaaSStatus');
    const status = Number(execution.status) === 1 ? (indexed === 'running' ? 'running' : 'queued') : ((indexed as InvocationStatus | undefined) ?? 'succeeded');
    const version = keyword(fields, 'PyFaaSVersion');
    return {
      invocationId: execution.execution?.workflowId ?? '',
      functionName: keyword(fields, 'PyFaaSFunction') ?? '',
      version: version ? Number(version) : undefined,
      mode: keyword(fields, 'PyFaaSMode') as InvocationMode | undefined,
      trigger: keyword(fields, 'PyFaaSTrigger'),
      caller: keyword(fields, 'PyFaaSCaller'),
      status,
      startedAt: timestamp(execution.startTime),
      finishedAt: timestamp(execution.closeTime),
    };
  });
  const token = response.nextPageToken && response.nextPageToken.length > 0 ? Buffer.from(response.nextPageToken).toString('base64url') : undefined;
  return { items, nextPageToken: token };
}

function timestamp(value: { seconds?: unknown; nanos?: number | null } | null | undefined): string | undefined {
  if (value?.seconds == null) return undefined;
  const millis = Number(value.seconds) * 1000 + Math.floor((value.nanos ?? 0) / 1e6);
  return new Date(millis).toISOString();
}
