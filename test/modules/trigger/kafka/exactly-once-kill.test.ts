import { workflowIdFor, workflowIdPrefix } from '../../../../modules/trigger/kafka';
import {
  childConfig, committedTotal, createTopic, produceNumbered, startBridgeChild, unique, until, useSharedServices, type BridgeChild,
} from './support';

const RECORDS = 10_000;
const PARTITIONS = 3;

describe('KafkaBridge exactly-once across a SIGKILL (real Kafka, real Temporal, bridge in a child process)', () => {
  const services = useSharedServices();
  const children: BridgeChild[] = [];

  afterAll(() => {
    for (const { child } of children) child.kill('SIGKILL');
  });

  it(`starts exactly ${RECORDS} workflows for ${RECORDS} records over ${PARTITIONS} partitions, the first bridge killed mid-stream`, async () => {
    const topic = unique('eo-kill');
    const triggerId = unique('kill');
    const prefix = workflowIdPrefix(triggerId);
    await createTopic(services.admin, topic, PARTITIONS);
    await produceNumbered(services.kafka, topic, RECORDS, PARTITIONS);
    const trigger = { id: triggerId, topic, startFrom: 'earliest' as const, functionName: 'f' };
    const config = childConfig([trigger], { taskQueue: unique('no-worker'), startDelay: '1 day' });

    const first = startBridgeChild(config);
    children.push(first);
    const startedByFirst = () => first.status()?.triggers[0]?.started ?? 0;
    await until(() => startedByFirst() >= 3000, 120_000, () => `first bridge: ${JSON.stringify(first.status())}\n${first.output()}`);
    first.child.kill('SIGKILL');
    await first.exited;
    // It committed only offsets whose starts were acknowledged: fewer than it started.
    const committedByFirst = await committedTotal(services.admin, `pyfaas-${triggerId}`, topic);
    expect(committedByFirst).toBeLessThan(RECORDS);

    const second = startBridgeChild(config);
    children.push(second);
    await until(async () => (await committedTotal(services.admin, `pyfaas-${triggerId}`, topic)) === RECORDS, 300_000, () => `second bridge: ${JSON.stringify(second.status())}\n${second.output()}`);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    // Exactly one workflow per record: every expected id, and no id twice.
    expect(await services.temporal.waitForCount(prefix, RECORDS, 30_000)).toBe(RECORDS);
    const ids = await services.temporal.listIds(prefix);
    expect(ids).toHaveLength(RECORDS);
    const expected = new Set(Array.from({ length: RECORDS }, (_, n) => workflowIdFor(triggerId, topic, n % PARTITIONS, String(Math.floor(n / PARTITIONS)))));
    expect(new Set(ids)).toEqual(expected);

    // The second bridge read everything past the first one's commits; what the first had
    // started but not committed answered 'duplicate'.
    const status = second.status()!.triggers[0];
    expect(status.started + status.duplicates).toBeGreaterThanOrEqual(RECORDS - committedByFirst);
    expect(status.started).toBeLessThan(RECORDS - committedByFirst);
    expect(status.duplicates).toBeGreaterThan(0);
    expect(status.deadLettered).toBe(0);
  }, 500_000);
});
