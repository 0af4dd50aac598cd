import { silentLogger } from '../../../../common/logger';
import { KafkaBridge, workflowIdFor, type KafkaTriggerSpec } from '../../../../modules/trigger/kafka';
import { testServices } from '../../../support/services';
import { committedTotal, createTopic, produceNumbered, recordingStarter, unique, until, useSharedServices } from './support';

describe('KafkaBridge start position of a new trigger (real Kafka, real Temporal)', () => {
  const services = useSharedServices();

  it('starting from latest, skips older records but not those sent while no bridge ran before the first commit', async () => {
    const topic = unique('latest');
    const triggerId = unique('latest');
    await createTopic(services.admin, topic, 1);
    await produceNumbered(services.kafka, topic, 5, 1);
    const trigger: KafkaTriggerSpec = { id: triggerId, topic, startFrom: 'latest', functionName: 'f' };
    const recording = recordingStarter(services.temporal.client);
    const bridge = () => new KafkaBridge({ brokers: testServices().kafkaBrokers, clientId: 'latest-test', logger: silentLogger(), starter: recording.starter, triggers: async () => [trigger] });

    // The first bridge only joins (no record comes): the group's position is pinned at the end.
    const first = bridge();
    await first.start();
    await until(() => first.status().triggers[0]?.state === 'running', 30_000, () => JSON.stringify(first.status()));
    await first.stop();
    expect(await committedTotal(services.admin, `pyfaas-${triggerId}`, topic)).toBe(5);

    await produceNumbered(services.kafka, topic, 3, 1, 5);
    const second = bridge();
    await second.start();
    try {
      await until(() => recording.started.size === 3, 30_000, () => JSON.stringify(second.status()));
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      await second.stop();
    }
    expect([...recording.started].sort()).toEqual(['5', '6', '7'].map((offset) => workflowIdFor(triggerId, topic, 0, offset)));
  });
});
