import { silentLogger } from '../../../../common/logger';
import { KafkaBridge, workflowIdPrefix, type KafkaTriggerSpec, type TriggerStatus } from '../../../../modules/trigger/kafka';
import { testServices } from '../../../support/services';
import { createTopic, produceNumbered, recordingStarter, unique, until, useSharedServices } from './support';

describe('KafkaBridge picks up trigger changes while running (real Kafka, real Temporal)', () => {
  const services = useSharedServices();

  it('starts an added trigger (and a new topic matching its pattern), pauses and resumes one, and stops a removed one', async () => {
    const base = unique('changes');
    const plain = `${base}-plain`;
    const [patternA, patternB] = [`${base}-p-a`, `${base}-p-b`];
    const [idPlain, idPattern] = [`${base}-t1`, `${base}-t2`];
    await createTopic(services.admin, plain, 2);
    await createTopic(services.admin, patternA, 1);
    await produceNumbered(services.kafka, plain, 20, 2);
    await produceNumbered(services.kafka, patternA, 10, 1);

    const specs: KafkaTriggerSpec[] = [{ id: idPlain, topic: plain, startFrom: 'earliest', functionName: 'f' }];
    const recording = recordingStarter(services.temporal.client);
    const bridge = new KafkaBridge({
      brokers: testServices().kafkaBrokers, clientId: 'changes-test', logger: silentLogger(), starter: recording.starter,
      triggers: async () => specs.map((s) => ({ ...s })), refreshMs: 300, sessionTimeoutMs: 6000,
    });
    const trigger = (id: string): TriggerStatus | undefined => bridge.status().triggers.find((t) => t.id === id);
    const startedBy = (id: string) => [...recording.started].filter((w) => w.startsWith(workflowIdPrefix(id))).length;
    const show = () => JSON.stringify(bridge.status());
    await bridge.start();
    try {
      await until(() => startedBy(idPlain) === 20, 30_000, show);

      // Added: a trigger on a pattern; it reads the matching topic, then a topic created later.
      specs.push({ id: idPattern, topicPattern: `${base}-p-.*`, startFrom: 'earliest', functionName: 'f' });
      await until(() => startedBy(idPattern) === 10, 30_000, show);
      expect(trigger(idPattern)!.topics).toEqual([patternA]);
      await createTopic(services.admin, patternB, 1);
      await produceNumbered(services.kafka, patternB, 5, 1);
      await until(() => startedBy(idPattern) === 15, 30_000, show);
      expect(trigger(idPattern)!.topics).toEqual([patternA, patternB]);

      // Paused: records wait in Kafka; resumed: they start.
      specs[0].paused = true;
      await until(() => trigger(idPlain)!.state === 'paused', 10_000, show);
      await produceNumbered(services.kafka, plain, 10, 2, 20);
      await new Promise((r) => setTimeout(r, 2500));
      expect(startedBy(idPlain)).toBe(20);
      specs[0].paused = false;
      await until(() => startedBy(idPlain) === 30, 30_000, show);
      expect(trigger(idPlain)!.state).toBe('running');

      // Removed: its consumer stops; records sent afterwards start nothing.
      specs.splice(1, 1);
      await until(() => trigger(idPattern) === undefined, 10_000, show);
      await produceNumbered(services.kafka, patternA, 5, 1, 10);
      await new Promise((r) => setTimeout(r, 2500));
      expect(startedBy(idPattern)).toBe(15);
    } finally {
      await bridge.stop();
    }
    expect(recording.duplicates()).toBe(0);
    expect(await services.temporal.waitForCount(workflowIdPrefix(idPlain), 30, 10_000)).toBe(30);
    expect(await services.temporal.waitForCount(workflowIdPrefix(idPattern), 15, 10_000)).toBe(15);
  });
});
