import { ApplicationFailure } from '@temporalio/activity';
import type { Logger } from '../common/logger';
import { DEAD_LETTER_HEADERS as H } from '../modules/trigger/kafka/dead-letter';
import type { KafkaPublisher } from '../modules/trigger/kafka/publisher';
import type { PayloadStore } from '../modules/task/payloads';
import { NO_DELIVERY_METRICS, type DeliveryRecorder } from '../modules/observability';
import type { Destination, FunctionErrorInfo } from '../contracts/invocation';

/** What a destination receives when an async invocation ends. */
export interface DeliveryRecord {
  invocationId: string;
  condition: 'success' | 'failure';
  functionName: string;
  version: number;
  trigger: string;
  status: 'succeeded' | 'failed' | 'timed_out';
  event?: unknown;
  eventRef?: string;
  result?: unknown;
  resultRef?: string;
  error?: FunctionErrorInfo;
  attempts: number;
  durationMs: number;
  coldStart: boolean;
  startedAt: string;
  finishedAt: string;
}

export interface DestinationActivityDeps {
  publisher: KafkaPublisher;
  payloads: PayloadStore;
  deadLetterTopic: string;
  logger: Logger;
  /** Where each try and each dead-lettered record is counted (absent: nowhere). */
  metrics?: DeliveryRecorder;
}

const WEBHOOK_TIMEOUT_MS = 10_000;

/** A webhook answer that another try will not change (4xx other than 408 and 429). */
function refused(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

export function createDestinationActivities(deps: DestinationActivityDeps) {
  const metrics = deps.metrics ?? NO_DELIVERY_METRICS;
  /** The record as JSON, with stored (large) event and result read back in. */
  async function body(delivery: DeliveryRecord): Promise<string> {
    const { eventRef, resultRef, ...rest } = delivery;
    const event = eventRef ? await deps.payloads.get(eventRef) : delivery.event;
    const result = resultRef ? await deps.payloads.get(resultRef) : delivery.result;
    return JSON.stringify({ ...rest, event, result });
  }

  return {
    /**
     * Delivers once per try: POST to a webhook (2xx is delivered; a 4xx other than 408/429 is
     * DESTINATION_REJECTED, not retried) or a Kafka record keyed by invocation id. Receivers
     * can deduplicate on the `X-PyFaaS-Delivery-Id` header (the same on every try).
     */
    async deliverInvocationRecord({ destination, delivery, deliveryId }: { destination: Destination; delivery: DeliveryRecord; deliveryId: string }): Promise<void> {
      const payload = await body(delivery);
      try {
        if (destination.type === 'kafka') {
          await deps.publisher.send(destination.topic, [{ key: delivery.invocationId, value: payload, headers: { 'pyfaas-delivery-id': deliveryId, 'pyfaas-condition': delivery.condition } }]);
        } else {
          const response = await fetch(destination.url, {
            method: 'POST',
            headers: { ...destination.headers, 'content-type': 'application/json', 'x-pyfaas-delivery-id': deliveryId, 'x-pyfaas-condition': delivery.condition },
            body: payload,
            signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
          });
          await response.body?.cancel();
          if (refused(response.status)) throw ApplicationFailure.nonRetryable(`The webhook ${destination.url} refused the record with HTTP ${response.status}.`, 'DESTINATION_REJECTED');
          if (!response.ok) throw new Error(`The webhook ${destination.url} answered HTTP ${response.status}.`);
        }
      } catch (err) {
        metrics.delivery(destination.type, err instanceof ApplicationFailure && err.type === 'DESTINATION_REJECTED' ? 'rejected' : 'failed');
        throw err;
      }
      metrics.delivery(destination.type, 'delivered');
      deps.logger.info({ invocationId: delivery.invocationId, destination: destination.type, condition: delivery.condition }, 'invocation record delivered');
    },

    /** The record and why it could not be delivered, to the dead-letter topic. */
    async deadLetterDelivery({ destination, delivery, deliveryId, reason }: { destination: Destination; delivery: DeliveryRecord; deliveryId: string; reason: string }): Promise<void> {
      await deps.publisher.send(deps.deadLetterTopic, [{
        key: delivery.invocationId,
        value: await body(delivery),
        headers: {
          [H.reason]: 'destination-failed',
          [H.detail]: reason,
          [H.functionName]: delivery.functionName,
          'pyfaas-destination': destination.type === 'kafka' ? `kafka:${destination.topic}` : destination.url,
          'pyfaas-delivery-id': deliveryId,
        },
      }]);
      metrics.deadLettered(destination.type);
      deps.logger.warn({ invocationId: delivery.invocationId, reason, deadLetterTopic: deps.deadLetterTopic }, 'invocation record dead-lettered: its destination kept failing');
    },
  };
}

export type DestinationActivities = ReturnType<typeof createDestinationActivities>;
