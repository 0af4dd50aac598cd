import type { Kafka } from 'kafkajs';
import type { Logger } from '../../../common/logger';
import {
  DEFAULT_DEAD_LETTER_TOPIC, DEFAULT_REFRESH_MS,
  type BridgeStatus, type KafkaTrigger, type KafkaTriggerSpec, type TriggerSource, type WorkflowStarter,
} from './contract';
import { DeadLetterSink } from './dead-letter';
import { KafkaAdmin } from './kafka-admin';
import { createKafkaClient } from './kafka-client';
import { errorMessage } from './retry';
import { TriggerConsumer } from './trigger-consumer';
import { consumerIdentity, parseKafkaTrigger } from './trigger-spec';

export interface KafkaBridgeOptions {
  brokers: string[];
  clientId: string;
  starter: WorkflowStarter;
  triggers: TriggerSource;
  logger: Logger;
  /** Default `pyfaas.dead-letter`. */
  deadLetterTopic?: string;
  /** How often the trigger source is read again. Default 5000 ms. */
  refreshMs?: number;
  /** How often a partition's progress is committed while its batch is being handled. Default 1000 ms. */
  commitIntervalMs?: number;
  /**
   * Kafka group session timeout: how soon a killed bridge's partitions move to another (or to
   * the same bridge restarted). Default 10000 ms: kafkajs's 30 s kept a restarted PyFaaS from
   * its own partitions for 30 s; the consumer heartbeats every second while it works, so a
   * slow batch does not expire it.
   */
  sessionTimeoutMs?: number;
}

/**
 * Turns Kafka records into workflow starts, exactly one per record and trigger: each trigger
 * has a consumer in its own group; an offset is committed only after the start of its record
 * (and of every earlier one in the partition) was acknowledged, and a record delivered again
 * after a crash starts under the same workflow id, which the starter answers as 'duplicate'.
 */
export class KafkaBridge {
  private readonly kafka: Kafka;
  private readonly deadLetters: DeadLetterSink;
  private readonly admin: KafkaAdmin;
  private readonly consumers = new Map<string, { consumer: TriggerConsumer; identity: string }>();
  private invalid: BridgeStatus['invalid'] = [];
  private lastRefreshError?: { message: string; at: string };
  private running = false;
  private timer?: NodeJS.Timeout;
  private refreshing: Promise<void> = Promise.resolve();
  private readonly logger: Logger;

  constructor(private readonly options: KafkaBridgeOptions) {
    this.logger = options.logger.child({ component: 'kafka-bridge' });
    this.kafka = createKafkaClient({ brokers: options.brokers, clientId: options.clientId, logger: this.logger });
    this.admin = new KafkaAdmin(this.kafka);
    this.deadLetters = new DeadLetterSink(this.kafka, this.admin, options.deadLetterTopic ?? DEFAULT_DEAD_LETTER_TOPIC, this.logger);
  }

  /**
   * Reads the triggers and starts their consumers, which connect in the background (see
   * `status()`); then reads the triggers again every `refreshMs`. Never throws: a trigger
   * source that fails is logged and read again on the next tick.
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.consumers.clear(); // kept by stop() for the status
    this.logger.info({ brokers: this.options.brokers, deadLetterTopic: this.deadLetters.topic }, 'kafka bridge starting');
    await this.refresh();
    this.schedule();
  }

  /** Reads the trigger source now and applies what changed (added, removed, paused, edited). */
  refresh(): Promise<void> {
    this.refreshing = this.refreshing
      .then(() => this.applyTriggers())
      .catch((err) => this.logger.error({ error: errorMessage(err) }, 'applying the Kafka triggers failed; trying again on the next refresh'));
    return this.refreshing;
  }

  /**
   * Stops every consumer: starts in flight answer and are committed, nothing more is fetched.
   * `status()` still shows the triggers (state `stopped`) with their final counts.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearTimeout(this.timer);
    await this.refreshing;
    await Promise.all([...this.consumers.values()].map(({ consumer }) => consumer.stop()));
    await Promise.all([this.deadLetters.close(), this.admin.close()]);
    this.logger.info('kafka bridge stopped');
  }

  status(): BridgeStatus {
    return {
      running: this.running,
      triggers: [...this.consumers.values()].map(({ consumer }) => consumer.status()),
      invalid: [...this.invalid],
      ...(this.lastRefreshError ? { lastRefreshError: this.lastRefreshError } : {}),
    };
  }

  /**
   * Each trigger's consumer lag (records its group has yet to read, over all its topics), by
   * trigger id, asked of the cluster now. A trigger whose lag cannot be read (its topic not
   * there yet, the cluster away) is left out. Works on any bridge of the group, whichever
   * partitions it holds.
   */
  async consumerLag(): Promise<Map<string, number>> {
    const lags = new Map<string, number>();
    for (const [id, { consumer }] of this.consumers) {
      if (!this.running) break; // stopped: its admin client is closed and must stay so
      const query = consumer.lagQuery();
      if (query.topics.length === 0) continue;
      try {
        lags.set(id, await this.admin.consumerLag(query));
      } catch (err) {
        this.logger.debug({ triggerId: id, error: errorMessage(err) }, 'could not read the consumer lag');
      }
    }
    return lags;
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => void this.refresh().finally(() => this.schedule()), this.options.refreshMs ?? DEFAULT_REFRESH_MS);
  }

  private async applyTriggers(): Promise<void> {
    if (!this.running) return;
    let specs: KafkaTriggerSpec[];
    try {
      specs = await this.options.triggers();
      this.lastRefreshError = undefined;
    } catch (err) {
      this.lastRefreshError = { message: errorMessage(err), at: new Date().toISOString() };
      this.logger.warn({ error: errorMessage(err) }, 'could not read the Kafka triggers; keeping the current ones');
      return;
    }
    const wanted = this.validate(specs);
    for (const [id, { consumer }] of this.consumers) {
      if (wanted.has(id)) continue;
      this.consumers.delete(id);
      this.logger.info({ triggerId: id }, 'trigger removed');
      await consumer.stop();
    }
    for (const trigger of wanted.values()) await this.applyTrigger(trigger);
  }

  private async applyTrigger(trigger: KafkaTrigger): Promise<void> {
    const identity = consumerIdentity(trigger);
    const existing = this.consumers.get(trigger.id);
    if (existing && existing.identity === identity) {
      existing.consumer.update(trigger);
      await existing.consumer.refreshTopics().catch((err) => this.logger.warn({ triggerId: trigger.id, error: errorMessage(err) }, 'could not list topics for the pattern'));
      return;
    }
    if (existing) {
      this.logger.info({ triggerId: trigger.id }, 'trigger changed its topics or group; replacing its consumer');
      await existing.consumer.stop();
    } else {
      this.logger.info({ triggerId: trigger.id, topic: trigger.topic, topicPattern: trigger.topicPattern, groupId: trigger.groupId }, 'trigger added');
    }
    const consumer = new TriggerConsumer(trigger, {
      kafka: this.kafka,
      starter: this.options.starter,
      deadLetters: this.deadLetters,
      admin: this.admin,
      logger: this.logger,
      commitIntervalMs: this.options.commitIntervalMs ?? 1000,
      sessionTimeoutMs: this.options.sessionTimeoutMs ?? 10_000,
    });
    this.consumers.set(trigger.id, { consumer, identity });
    consumer.start();
  }

  /** Valid triggers by id; the rest (bad fields, a repeated id or group) are listed in the status. */
  private validate(specs: KafkaTriggerSpec[]): Map<string, KafkaTrigger> {
    const wanted = new Map<string, KafkaTrigger>();
    const groups = new Map<string, string>();
    const invalid: BridgeStatus['invalid'] = [];
    for (const spec of specs) {
      const id = String((spec as { id?: unknown })?.id ?? '?');
      try {
        const trigger = parseKafkaTrigger(spec);
        if (wanted.has(trigger.id)) throw new Error(`another trigger has the id ${JSON.stringify(trigger.id)}`);
        const owner = groups.get(trigger.groupId);
        if (owner) throw new Error(`trigger ${JSON.stringify(owner)} already uses the consumer group ${JSON.stringify(trigger.groupId)}`);
        wanted.set(trigger.id, trigger);
        groups.set(trigger.groupId, trigger.id);
      } catch (err) {
        invalid.push({ id, error: (err as Error).message });
      }
    }
    if (JSON.stringify(invalid) !== JSON.stringify(this.invalid)) {
      for (const entry of invalid) this.logger.warn({ triggerId: entry.id, error: entry.error }, 'invalid Kafka trigger ignored');
    }
    this.invalid = invalid;
    return wanted;
  }
}
