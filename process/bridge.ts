import type { Client } from '@temporalio/client';
import { InputError, NotFoundError } from '../common/errors';
import type { Logger } from '../common/logger';
import type { Config } from '../infra/config';
import type { FunctionService } from '../modules/meta/functions';
import { INVOKE_WORKFLOW, idempotentInvocationId, invocationStart } from '../modules/task/invocation-start';
import type { PayloadStore } from '../modules/task/payloads';
import { triggerLabel } from '../modules/trigger/contract';
import { KafkaBridge, createTemporalStarter, kafkaSpecOf, type KafkaTriggerConfig, type PreparedStart, type StartRequest } from '../modules/trigger/kafka';
import { INVOKE_TOPIC_TRIGGER, invokeTopicSpec, parseInvokeRecord } from '../modules/trigger/kafka/invoke-topic';
import type { TriggerService } from '../modules/trigger/service';
import type { InvokeInput } from '../contracts/invocation';

export interface BridgeDeps {
  config: Config;
  client: Client;
  triggers: TriggerService;
  functions: FunctionService;
  payloads: PayloadStore;
  logger: Logger;
}

/**
 * The `bridge` role: a KafkaBridge whose triggers are the stored Kafka triggers plus the
 * invoke topic, each record starting one async `invokeFunction` (the function's plan is read
 * by the workflow, so the bridge does no database work per record).
 */
export function createBridge(deps: BridgeDeps): KafkaBridge {
  const { config } = deps;

  async function requestFor(request: StartRequest): Promise<{ input: Omit<InvokeInput, 'event' | 'eventRef'>; event: unknown; workflowId?: string }> {
    if (request.trigger.id !== INVOKE_TOPIC_TRIGGER) {
      return { input: { functionName: request.trigger.functionName!, mode: 'async', trigger: triggerLabel('kafka', request.trigger.id) }, event: request.event };
    }
    const record = parseInvokeRecord(request.event);
    try {
      await deps.functions.get(record.function);
    } catch (err) {
      if (err instanceof NotFoundError) throw new InputError(`The invoke-topic record cannot start: ${err.message}`);
      throw err;
    }
    return {
      input: { functionName: record.function, mode: 'async', trigger: triggerLabel('kafka', 'invoke'), version: record.version },
      event: record.event ?? null,
      workflowId: record.idempotencyKey ? idempotentInvocationId(record.function, record.idempotencyKey) : undefined,
    };
  }

  async function prepare(request: StartRequest): Promise<PreparedStart> {
    const { input, event, workflowId } = await requestFor(request);
    const { value, ref } = await deps.payloads.inlineOrRef(event);
    const { args, ...options } = invocationStart({ ...input, event: value, eventRef: ref });
    return { args, options, workflowId };
  }

  return new KafkaBridge({
    brokers: config.kafka.brokers,
    clientId: `${config.kafka.clientId}-bridge-${config.nodeId}`,
    logger: deps.logger,
    deadLetterTopic: config.kafka.deadLetterTopic,
    refreshMs: config.bridge.refreshMs,
    starter: createTemporalStarter({ client: deps.client, workflowType: INVOKE_WORKFLOW, taskQueue: config.temporal.taskQueue, prepare }),
    triggers: async () => {
      const stored = await deps.triggers.list<KafkaTriggerConfig>({ kind: 'kafka' });
      return [...stored.map(kafkaSpecOf), invokeTopicSpec(config.kafka.invokeTopic)];
    },
  });
}
