import type { Kafka } from 'kafkajs';
import { silentLogger } from '../../../../common/logger';
import type { DeadLetterSink } from '../../../../modules/trigger/kafka/dead-letter';
import type { KafkaAdmin } from '../../../../modules/trigger/kafka/kafka-admin';
import { TriggerConsumer } from '../../../../modules/trigger/kafka/trigger-consumer';
import { parseKafkaTrigger } from '../../../../modules/trigger/kafka/trigger-spec';

/** Just enough of a kafkajs consumer to drive the lifecycle: joins on run, crashes on demand. */
class FakeConsumer {
  readonly events = { GROUP_JOIN: 'consumer.group_join', CRASH: 'consumer.crash' };
  private readonly listeners = new Map<string, (event: unknown) => void>();
  readonly pause = jest.fn();
  readonly resume = jest.fn();
  readonly disconnect = jest.fn(async () => undefined);
  readonly subscribe = jest.fn(async () => undefined);
  constructor(readonly connect: () => Promise<void>) {}
  on(name: string, listener: (event: unknown) => void) {
    this.listeners.set(name, listener);
  }
  async run() {
    this.emit('consumer.group_join', { groupId: 'g', memberAssignment: {} });
  }
  emit(name: string, payload: unknown) {
    this.listeners.get(name)?.({ payload });
  }
}

function fakeKafka(connects: Array<() => Promise<void>> = []) {
  const consumers: FakeConsumer[] = [];
  const kafka = { consumer: () => consumers[consumers.push(new FakeConsumer(connects.shift() ?? (async () => undefined))) - 1] } as unknown as Kafka;
  return { kafka, consumers };
}

function triggerConsumer(kafka: Kafka, paused = false) {
  const trigger = parseKafkaTrigger({ id: 'orders', topic: 'orders', functionName: 'f', paused });
  return new TriggerConsumer(trigger, {
    kafka, starter: async () => 'started', deadLetters: { topic: 'dlq' } as DeadLetterSink, admin: { pinLatestOffsets: async () => undefined } as unknown as KafkaAdmin,
    logger: silentLogger(), commitIntervalMs: 1000, sessionTimeoutMs: 6000,
  });
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition never held');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('TriggerConsumer', () => {
  it('builds a new consumer when kafkajs crashes one, and counts the restart', async () => {
    const { kafka, consumers } = fakeKafka();
    const consumer = triggerConsumer(kafka);
    consumer.start();
    await until(() => consumer.status().state === 'running');
    consumers[0].emit('consumer.crash', { error: new Error('boom'), groupId: 'g', restart: false });
    expect(consumer.status()).toMatchObject({ state: 'starting', lastError: { message: 'Error: boom' } });
    await until(() => consumers.length === 2 && consumer.status().state === 'running');
    expect(consumer.status().restarts).toBe(1);
    expect(consumers[0].disconnect).toHaveBeenCalled();
    await consumer.stop();
    expect(consumer.status().state).toBe('stopped');
    expect(consumers[1].disconnect).toHaveBeenCalled();
  });

  it('keeps retrying to connect until it joins', async () => {
    const { kafka, consumers } = fakeKafka([async () => Promise.reject(new Error('broker down'))]);
    const consumer = triggerConsumer(kafka);
    consumer.start();
    await until(() => consumer.status().state === 'running');
    expect(consumers).toHaveLength(2);
    expect(consumer.status().lastError?.message).toMatch(/broker down/);
    await consumer.stop();
  });

  it('pauses all its topics on every join until resumed', async () => {
    const { kafka, consumers } = fakeKafka();
    const consumer = triggerConsumer(kafka, true);
    consumer.start();
    await until(() => consumer.status().state === 'paused');
    expect(consumers[0].pause).toHaveBeenCalledWith([{ topic: 'orders' }]);
    consumers[0].emit('consumer.crash', { error: new Error('boom'), groupId: 'g', restart: false });
    await until(() => consumers.length === 2 && consumer.status().state === 'paused');
    expect(consumers[1].pause).toHaveBeenCalledWith([{ topic: 'orders' }]);
    consumer.update(parseKafkaTrigger({ id: 'orders', topic: 'orders', functionName: 'f', paused: false }));
    expect(consumers[1].resume).toHaveBeenCalledWith([{ topic: 'orders' }]);
    expect(consumer.status().state).toBe('running');
    await consumer.stop();
  });
});
