import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from '../../../common/logger';
import type { KafkaTrigger, TriggerState, TriggerStatus, WorkflowStarter } from './contract';
import { processBatch } from './batch-processor';
import type { DeadLetterSink } from './dead-letter';
import { InFlightLimit } from './in-flight-limit';
import type { KafkaAdmin } from './kafka-admin';
import { KAFKA_RETRY } from './kafka-client';
import { RecordHandler } from './record-handler';
import { errorMessage, sleepWhile } from './retry';
import { topicMatcher } from './trigger-spec';

export interface TriggerConsumerDeps {
  kafka: Kafka;
  starter: WorkflowStarter;
  deadLetters: DeadLetterSink;
  admin: KafkaAdmin;
  logger: Logger;
  commitIntervalMs: number;
  /** How long the group waits for a silent member (e.g. a killed bridge) before reassigning its partitions. */
  sessionTimeoutMs: number;
}

/** Partition batches of one trigger handled at once; all share the trigger's in-flight limit. */
const PARTITIONS_AT_ONCE = 16;

/**
 * One trigger's kafkajs consumer, in its own consumer group. It connects in the background and
 * keeps trying until it has joined; when kafkajs crashes the consumer (a CRASH event: kafkajs
 * is told never to restart one itself) it builds a new one. Pausing pauses all its topics.
 */
export class TriggerConsumer {
  private trigger: KafkaTrigger;
  private consumer?: Consumer;
  /** Counts consumers built, so events of a replaced consumer are ignored. */
  private generation = 0;
  private joined = false;
  private state: TriggerState = 'starting';
  private stopped = false;
  private topics: string[] = [];
  private restarts = 0;
  private readonly committed: Record<string, string> = {};
  private lastError?: { message: string; at: string };
  /** Connects and reconnects run one after another. */
  private lifecycle: Promise<void> = Promise.resolve();
  private readonly limit: InFlightLimit;
  private readonly handler: RecordHandler;
  private readonly logger: Logger;

  constructor(
    trigger: KafkaTrigger,
    private readonly deps: TriggerConsumerDeps,
  ) {
    this.trigger = trigger;
    this.logger = deps.logger.child({ triggerId: trigger.id });
    this.limit = new InFlightLimit(trigger.maxInFlight);
    this.handler = new RecordHandler({ starter: deps.starter, deadLetters: deps.deadLetters, logger: this.logger, onError: (err) => this.noteError(err) });
  }

  get id(): string {
    return this.trigger.id;
  }

  /** Returns at once; the consumer connects, subscribes and joins in the background. */
  start(): void {
    this.reconnect(0);
  }

  /** Applies a change that keeps the consumer: paused, maxInFlight, functionName, maxRecordBytes. */
  update(trigger: KafkaTrigger): void {
    const pauseChanged = trigger.paused !== this.trigger.paused;
    this.trigger = trigger;
    this.limit.setLimit(trigger.maxInFlight);
    if (!pauseChanged) return;
    this.logger.info({ topics: this.topics }, trigger.paused ? 'trigger paused' : 'trigger resumed');
    this.applyPause();
  }

  /** A pattern trigger resubscribes when the set of topics it matches changed. Throws when the cluster cannot list topics. */
  async refreshTopics(): Promise<void> {
    if (!this.trigger.topicPattern || this.stopped || this.state === 'starting') return;
    const topics = await this.matchingTopics();
    if (topics.join('\n') === this.topics.join('\n')) return;
    this.logger.info({ before: this.topics, after: topics }, 'the topics matching the pattern changed; resubscribing');
    this.reconnect(0);
  }

  /** Stops fetching, lets the starts in flight answer, commits them, and leaves the group. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.state = 'stopped';
    await this.disconnect();
    await this.lifecycle;
    await this.disconnect();
    this.logger.info({ committed: this.committed }, 'trigger consumer stopped');
  }

  /** What this trigger's consumer lag is measured against: its group, the topics it reads now, where it starts. */
  lagQuery(): { groupId: string; topics: string[]; startFrom: 'earliest' | 'latest' } {
    return { groupId: this.trigger.groupId, topics: [...this.topics], startFrom: this.trigger.startFrom };
  }

  status(): TriggerStatus {
    return {
      id: this.trigger.id,
      state: this.state,
      topics: [...this.topics],
      inFlight: this.limit.inFlight,
      ...this.handler.counters,
      restarts: this.restarts,
      committed: { ...this.committed },
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  private reconnect(delayMs: number): void {
    this.lifecycle = this.lifecycle.then(() => this.connect(delayMs));
  }

  private async connect(delayMs: number): Promise<void> {
    await sleepWhile(delayMs, () => !this.stopped);
    await this.disconnect();
    for (let attempt = 1; !this.stopped; attempt += 1) {
      this.state = 'starting';
      try {
        this.topics = this.trigger.topic ? [this.trigger.topic] : await this.matchingTopics();
        if (this.topics.length === 0) {
          this.state = 'idle';
          this.logger.info({ topicPattern: this.trigger.topicPattern }, 'no topic matches the pattern yet');
          return;
        }
        if (this.trigger.createTopic && this.trigger.topic) await this.deps.admin.ensureTopic(this.trigger.topic);
        if (this.trigger.startFrom === 'latest') await this.pinStartPosition();
        const consumer = this.build();
        await consumer.connect();
        await consumer.subscribe({ topics: this.topics, fromBeginning: this.trigger.startFrom === 'earliest' });
        if (this.stopped) return;
        await consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: Math.min(PARTITIONS_AT_ONCE, this.trigger.maxInFlight),
          eachBatch: (payload) => processBatch(payload, this.batchContext()),
        });
        return;
      } catch (err) {
        this.noteError(err);
        const delay = backoffMs(attempt);
        this.logger.warn({ topics: this.topics, error: errorMessage(err), attempt, delayMs: delay }, 'consumer could not start; retrying');
        await this.disconnect();
        await sleepWhile(delay, () => !this.stopped);
      }
    }
  }

  private build(): Consumer {
    const generation = ++this.generation;
    const consumer = this.deps.kafka.consumer({
      groupId: this.trigger.groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: this.deps.sessionTimeoutMs,
      heartbeatInterval: Math.max(500, Math.floor(this.deps.sessionTimeoutMs / 3)),
      // Short fetch waits: pausing and stopping take effect within a second on an idle topic.
      maxWaitTimeInMs: 1000,
      // kafkajs never restarts a crashed consumer itself: the CRASH handler below builds a new
      // one, so every crash takes the same path (with this trigger's backoff and logs).
      retry: { ...KAFKA_RETRY, restartOnFailure: async () => false },
    });
    const current = () => generation === this.generation && !this.stopped;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      if (!current()) return;
      this.joined = true;
      this.applyPause();
      this.logger.info({ groupId: payload.groupId, assignment: payload.memberAssignment }, 'joined the consumer group');
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!current()) return;
      this.joined = false;
      this.state = 'starting';
      this.noteError(payload.error);
      if (payload.restart) return; // not with restartOnFailure false, but kafkajs would then restart it
      this.logger.warn({ error: errorMessage(payload.error) }, 'consumer crashed; building a new one');
      this.restarts += 1;
      this.reconnect(backoffMs(1));
    });
    this.consumer = consumer;
    this.joined = false;
    return consumer;
  }

  private batchContext() {
    return {
      triggerId: this.trigger.id,
      limit: this.limit,
      deliver: (record: Parameters<RecordHandler['deliver']>[1], topic: string, partition: number, keepGoing: () => boolean) =>
        this.handler.deliver(this.trigger, record, topic, partition, () => keepGoing() && !this.stopped),
      accepting: () => !this.stopped && !this.trigger.paused,
      onCommitted: (topic: string, partition: number, nextOffset: string) => (this.committed[`${topic}/${partition}`] = nextOffset),
      onError: (err: unknown) => this.noteError(err),
      logger: this.logger,
      commitIntervalMs: this.deps.commitIntervalMs,
    };
  }

  /** Pauses or resumes fetching of every topic; applied again on each join (a restarted consumer forgets it). */
  private applyPause(): void {
    const consumer = this.consumer;
    if (!consumer || !this.joined || this.stopped) return;
    const topics = this.topics.map((topic) => ({ topic }));
    if (this.trigger.paused) consumer.pause(topics);
    else consumer.resume(topics);
    this.state = this.trigger.paused ? 'paused' : 'running';
  }

  /**
   * Throws a transient failure (e.g. a fresh cluster without a group coordinator yet), so the
   * start is retried; on any other failure (e.g. not authorized) the group starts at the end
   * unpinned, as Kafka would.
   */
  private async pinStartPosition(): Promise<void> {
    try {
      await this.deps.admin.pinLatestOffsets(this.trigger.groupId, this.topics);
    } catch (err) {
      if (isTransient(err)) throw err;
      this.logger.warn({ topics: this.topics, error: errorMessage(err) }, 'could not pin the start position of a new consumer group');
    }
  }

  private async matchingTopics(): Promise<string[]> {
    const matcher = topicMatcher(this.trigger.topicPattern!);
    const excluded = new Set([this.deps.deadLetters.topic]);
    // Internal topics (`__consumer_offsets`…) and the dead-letter topic never match: a broad pattern must not loop.
    return (await this.deps.admin.listTopics()).filter((t) => !t.startsWith('__') && !excluded.has(t) && matcher.test(t)).sort();
  }

  private async disconnect(): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) return;
    this.consumer = undefined;
    this.joined = false;
    await consumer.disconnect().catch((err) => this.logger.debug({ error: errorMessage(err) }, 'consumer disconnect failed'));
  }

  private noteError(err: unknown): void {
    this.lastError = { message: errorMessage(err), at: new Date().toISOString() };
  }
}

/** kafkajs marks errors worth retrying; one that ran out of retries carries the cause. */
function isTransient(err: unknown): boolean {
  for (let e = err as { name?: string; retriable?: boolean; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.retriable === true || e.name === 'KafkaJSNumberOfRetriesExceeded') return true;
  }
  return false;
}

/** 0.5 s, 1 s, 2 s, then every 4 s: a broker back from a restart is used within seconds, and a try costs one connection. */
function backoffMs(attempt: number): number {
  return Math.min(4000, 500 * 2 ** (attempt - 1));
}
