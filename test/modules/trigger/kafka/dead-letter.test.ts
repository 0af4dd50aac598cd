import { readTopic } from '../../../support/kafka';
import { silentLogger } from '../../../../common/logger';
import { DEAD_LETTER_HEADERS, KafkaBridge, workflowIdFor, workflowIdPrefix } from '../../../../modules/trigger/kafka';
import { testServices } from '../../../support/services';
import { createTopic, recordingStarter, unique, until, useSharedServices } from './support';

describe('KafkaBridge dead-letter topic (real Kafka, real Temporal)', () => {
  const services = useSharedServices();

  it('sends a record over the size limit to the dead-letter topic with the reason, and starts the records after it', async () => {
    const topic = unique('dlq-src');
    const deadLetterTopic = unique('dlq');
    const triggerId = unique('dl');
    await createTopic(services.admin, topic, 1);
    const producer = services.kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [
        { value: '{"n":0}' },
        { value: '{"n":1}' },
        { key: 'big', value: 'x'.repeat(5000), headers: { trace: 't-2' } },
        { value: '{"n":3}' },
        { value: '{"n":4}' },
      ],
    });
    await producer.disconnect();

    const recording = recordingStarter(services.temporal.client);
    const bridge = new KafkaBridge({
      brokers: testServices().kafkaBrokers, clientId: 'dlq-test', logger: silentLogger(), starter: recording.starter, deadLetterTopic,
      triggers: async () => [{ id: triggerId, topic, startFrom: 'earliest', maxRecordBytes: 1000, functionName: 'handle' }],
    });
    await bridge.start();
    try {
      const trigger = () => bridge.status().triggers[0];
      await until(() => trigger()?.committed[`${topic}/0`] === '5', 60_000, () => JSON.stringify(bridge.status()));
      expect(trigger()).toMatchObject({ started: 4, duplicates: 0, deadLettered: 1 });
    } finally {
      await bridge.stop();
    }

    const expected = ['0', '1', '3', '4'].map((offset) => workflowIdFor(triggerId, topic, 0, offset));
    expect([...recording.started].sort()).toEqual(expected.sort());
    expect(recording.requests.find((r) => r.event.offset === '1')!.event).toMatchObject({ value: { n: 1 }, valueEncoding: 'json', topic, partition: 0 });
    expect(await services.temporal.waitForCount(workflowIdPrefix(triggerId), 4, 10_000)).toBe(4);

    const letters = await readTopic(services.kafka, deadLetterTopic, 1);
    expect(letters).toHaveLength(1);
    const [letter] = letters;
    expect(letter.key).toBe('big');
    expect(letter.value).toHaveLength(5000);
    expect(letter.headers).toMatchObject({
      trace: 't-2',
      [DEAD_LETTER_HEADERS.reason]: 'record-too-large',
      [DEAD_LETTER_HEADERS.trigger]: triggerId,
      [DEAD_LETTER_HEADERS.topic]: topic,
      [DEAD_LETTER_HEADERS.partition]: '0',
      [DEAD_LETTER_HEADERS.offset]: '2',
      [DEAD_LETTER_HEADERS.workflowId]: workflowIdFor(triggerId, topic, 0, '2'),
    });
    // key 3 + value 5000 + header "trace" 5 + "t-2" 3 bytes
    expect(letter.headers[DEAD_LETTER_HEADERS.detail]).toMatch(/5011 bytes.*limit is 1000/);
  });
});
