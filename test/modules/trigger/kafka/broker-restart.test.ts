import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import { silentLogger } from '../../../../common/logger';
import { freePort } from '../../../../infra/ports';
import { startKafkaBroker, type KafkaBrokerOptions } from '../../../../infra/services/kafka-broker';
import type { ManagedProcess } from '../../../../infra/services/managed-process';
import { KafkaBridge, workflowIdFor, workflowIdPrefix } from '../../../../modules/trigger/kafka';
import { testServices } from '../../../support/services';
import { TemporalProbe, committedTotal, createTopic, kafkaClient, produceNumbered, recordingStarter, unique, until } from './support';

const RECORDS = 10_000;
const PARTITIONS = 3;

describe('KafkaBridge exactly-once across a broker restart (real Kafka, real Temporal)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bridge-broker-'));
  let brokerOptions: KafkaBrokerOptions;
  let broker: ManagedProcess | undefined;
  let kafka: Kafka;
  let admin: Admin;
  let temporal: TemporalProbe;

  beforeAll(async () => {
    // A broker of this test's own, so stopping it disturbs no other test.
    brokerOptions = {
      libDir: testServices().kafkaLibDir, stateDir: path.join(dir, 'kafka'), logDir: path.join(dir, 'logs'),
      host: '127.0.0.1', port: await freePort(), controllerPort: await freePort(),
    };
    broker = await startKafkaBroker(brokerOptions, silentLogger());
    kafka = kafkaClient([`127.0.0.1:${brokerOptions.port}`]);
    admin = kafka.admin();
    await admin.connect();
    temporal = await TemporalProbe.connect();
  });

  afterAll(async () => {
    await admin.disconnect().catch(() => undefined);
    await temporal.close();
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`starts exactly ${RECORDS} workflows for ${RECORDS} records while the broker is killed and started again mid-stream`, async () => {
    const topic = unique('eo-broker');
    const triggerId = unique('broker');
    await createTopic(admin, topic, PARTITIONS);
    await produceNumbered(kafka, topic, RECORDS, PARTITIONS);

    const recording = recordingStarter(temporal.client);
    const bridge = new KafkaBridge({
      brokers: [`127.0.0.1:${brokerOptions.port}`], clientId: 'broker-restart-test', logger: silentLogger(), starter: recording.starter,
      triggers: async () => [{ id: triggerId, topic, startFrom: 'earliest', functionName: 'f' }], sessionTimeoutMs: 6000,
    });
    const show = () => JSON.stringify(bridge.status());
    await bridge.start();
    try {
      await until(() => recording.started.size >= 3000, 120_000, show);
      await broker!.kill(); // SIGKILL: no controlled shutdown
      const startedWhileUp = recording.started.size;
      expect(startedWhileUp).toBeLessThan(RECORDS);
      await new Promise((r) => setTimeout(r, 2000));
      broker = await startKafkaBroker(brokerOptions, silentLogger());

      await until(async () => (await committedTotal(admin, `pyfaas-${triggerId}`, topic).catch(() => 0)) === RECORDS, 400_000, show);
    } finally {
      await bridge.stop();
    }

    const expected = new Set(Array.from({ length: RECORDS }, (_, n) => workflowIdFor(triggerId, topic, n % PARTITIONS, String(Math.floor(n / PARTITIONS)))));
    expect(recording.started).toEqual(expected);
    // Every 'started' answer was for a different record: none started twice.
    expect(recording.requests.length - recording.duplicates()).toBe(RECORDS);
    expect(bridge.status().triggers[0]).toMatchObject({ state: 'stopped', started: RECORDS, duplicates: recording.duplicates(), deadLettered: 0 });
    expect(await temporal.waitForCount(workflowIdPrefix(triggerId), RECORDS, 60_000)).toBe(RECORDS);
    const ids = await temporal.listIds(workflowIdPrefix(triggerId));
    expect(ids).toHaveLength(RECORDS);
    expect(new Set(ids)).toEqual(expected);
  }, 600_000);
});
