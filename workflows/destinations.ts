import { ActivityFailure, isCancellation, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { DestinationActivities, DeliveryRecord } from '../activities/destinations';
import type { Destinations, InvocationRecord, InvokeInput } from '../contracts/invocation';

/** ~2 minutes of tries (1 s, 2 s, 4 s … 30 s) before the record goes to the dead-letter topic. */
const { deliverInvocationRecord } = proxyActivities<DestinationActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 8, nonRetryableErrorTypes: ['DESTINATION_REJECTED'] },
});

/** The dead-letter topic is the last resort: tried until it answers (a day at most). */
const { deadLetterDelivery } = proxyActivities<DestinationActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '1 day',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * Sends an async invocation's record to the destination its outcome names (on success, on
 * failure), as a retried activity, so a restart of any process does not lose it. A destination
 * that keeps failing (or refuses the record) gets it in the dead-letter topic instead.
 */
export async function deliverToDestination(input: InvokeInput, destinations: Destinations, record: InvocationRecord): Promise<void> {
  const condition = record.status === 'succeeded' ? 'success' : 'failure';
  const destination = condition === 'success' ? destinations.onSuccess : destinations.onFailure;
  if (!destination) return;
  const info = workflowInfo();
  const delivery: DeliveryRecord = {
    invocationId: info.workflowId, condition, functionName: record.functionName, version: record.version, trigger: record.trigger,
    status: record.status, event: input.event, eventRef: input.eventRef, result: record.result, resultRef: record.resultRef,
    error: record.error, attempts: record.attempts, durationMs: record.durationMs, coldStart: record.coldStart,
    startedAt: info.startTime.toISOString(), finishedAt: new Date().toISOString(),
  };
  const deliveryId = `${info.workflowId}:${condition}`;
  try {
    await deliverInvocationRecord({ destination, delivery, deliveryId });
  } catch (err) {
    if (isCancellation(err)) throw err;
    const reason = err instanceof ActivityFailure && err.cause ? err.cause.message : (err as Error).message;
    await deadLetterDelivery({ destination, delivery, deliveryId, reason });
  }
}
