import { Kafka, logLevel } from 'kafkajs';
import { SCALER_TICK_MS } from '../../contracts/scaling';
import { scalerShardId } from '../../modules/scaling/scalers';
import { scheduleIdOf } from '../../modules/trigger/schedule/temporal-schedule';
import { eventually } from '../support/http';
import { functionName, startTestPyFaaS, type TestPyFaaS } from '../support/pyfaas';
import { testServices } from '../support/services';

const ECHO = { inline: 'def handler(event, context):\n    return event\n' };
/** Short windows so a function falls asleep within seconds of its last demand. */
const SLEEPY_KPA = { module: 'kpa', params: { stableWindowMs: 4000, panicWindowMs: 1000, scaleToZeroAfterMs: 1000 } };
/** The scaler's tick: a sleeping function's first decision must come within it of the demand. */
const TICK_MS = SCALER_TICK_MS;
/** What the test adds to a tick for its own polling and the visibility write (both ~100 ms here). */
const SLACK_MS = 700;

/** Idle functions cost nothing (their scaler sleeps), and every kind of demand wakes them within a tick. */
describe('scaling: sleep and wake-up', () => {
  let pyfaas: TestPyFaaS;
  let kafka: Kafka;

  const scaling = async (name: string) => (await pyfaas.request('GET', `/v1/functions/${name}/scaling`)).body;
  const shard = (name: string) => pyfaas.running.client.workflow.getHandle(scalerShardId(pyfaas.env.PYFAAS_TASK_QUEUE, name));
  const warm = (name: string) => pyfaas.running.pool!.stats().instances.filter((i) => i.functionName === name).length;

  const deploy = async (name: string) => {
    const created = await pyfaas.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code: ECHO, scaling: SLEEPY_KPA });
    expect(created.status).toBe(201);
  };
  const untilAsleep = async (name: string) => {
    const asleep = await eventually(async () => {
      const view = await scaling(name);
      return view.running === false && view.decisions.length > 0 && warm(name) === 0;
    }, 30_000);
    expect(asleep).toBe(true);
  };
  /** How long after `since` the scaler's first decision for the function came (it must wake first). */
  const firstDecisionAfter = async (name: string, since: number): Promise<number> => {
    let delay: number | undefined;
    await eventually(async () => {
      const view = await scaling(name);
      const first = view.decisions.find((d: any) => Date.parse(d.at) >= since);
      delay = first && view.running ? Date.parse(first.at) - since : undefined;
      return delay !== undefined;
    }, 15_000, 100);
    if (delay === undefined) throw new Error(`no decision for ${name} came after the demand`);
    return delay;
  };
  /** When the function's first invocation started in Temporal (triggers start it themselves). */
  const firstInvocationStart = async (name: string): Promise<number> => {
    let started: number | undefined;
    await eventually(async () => {
      for await (const execution of pyfaas.running.client.workflow.list({ query: `WorkflowType = 'invokeFunction' AND PyFaaSFunction = '${name}'` })) {
        started = started === undefined ? execution.startTime.getTime() : Math.min(started, execution.startTime.getTime());
      }
      return started !== undefined;
    }, 30_000);
    if (started === undefined) throw new Error(`${name} was never invoked`);
    return started;
  };

  beforeAll(async () => {
    pyfaas = await startTestPyFaaS({ database: 'sqlite' });
    kafka = new Kafka({ brokers: testServices().kafkaBrokers, clientId: 'scaling-sleep-test', logLevel: logLevel.NOTHING });
  });
  afterAll(() => pyfaas.close());

  // First: nothing else of this platform is awake yet, so its shard must end.
  it('puts an idle function to sleep: no open scaler workflow and no new history', async () => {
    const name = functionName('idle');
    await deploy(name);
    await untilAsleep(name);
    expect((await scaling(name)).decisions.at(-1)).toMatchObject({ desired: 0, current: 0, mode: 'idle' });
    expect(await eventually(async () => (await shard(name).describe()).status.name === 'COMPLETED', 10_000)).toBe(true);
    const before = await shard(name).describe();
    await new Promise((r) => setTimeout(r, 3 * TICK_MS));
    const after = await shard(name).describe();
    expect({ runId: after.runId, status: after.status.name, historyLength: after.historyLength }).toEqual({ runId: before.runId, status: 'COMPLETED', historyLength: before.historyLength });
    // The ended run still answers the Temporal UI's query for it.
    expect(await shard(name).query('scalerStatus', name)).toMatchObject({ functionName: name, awake: false, decisions: expect.arrayContaining([expect.objectContaining({ mode: 'idle' })]) });
  });

  it('wakes for a sync HTTP invocation within one tick, keeping the decisions from before the sleep', async () => {
    const name = functionName('wake-sync');
    await deploy(name);
    await untilAsleep(name);
    const beforeSleep = (await scaling(name)).decisions;
    const since = Date.now();
    const invoked = await pyfaas.request('POST', `/v1/functions/${name}/invoke`, { n: 1 });
    expect(invoked.body).toMatchObject({ status: 'succeeded', coldStart: true });
    expect(await firstDecisionAfter(name, since)).toBeLessThanOrEqual(TICK_MS + SLACK_MS);
    const decisions = (await scaling(name)).decisions;
    expect(decisions.slice(0, beforeSleep.length)).toEqual(beforeSleep);
    expect(decisions.at(-1).mode).not.toBe('idle');
    // And it falls asleep again once the demand is over.
    await untilAsleep(name);
  });

  it('wakes for an async invocation within one tick', async () => {
    const name = functionName('wake-async');
    await deploy(name);
    await untilAsleep(name);
    const since = Date.now();
    expect((await pyfaas.request('POST', `/v1/functions/${name}/invoke?async=true`, { n: 1 })).status).toBe(202);
    expect(await firstDecisionAfter(name, since)).toBeLessThanOrEqual(TICK_MS + SLACK_MS);
  });

  it('wakes for a Kafka record of its trigger within one tick of the invocation', async () => {
    const name = functionName('wake-kafka');
    const topic = `wake-${name}`;
    await deploy(name);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic }], waitForLeaders: true });
    await admin.disconnect();
    expect((await pyfaas.request('POST', '/v1/triggers', { name: `t-${name}`, kind: 'kafka', function: name, config: { topic, startFrom: 'earliest' } })).status).toBe(201);
    await untilAsleep(name);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: JSON.stringify({ n: 1 }) }], acks: -1 });
    await producer.disconnect();
    const started = await firstInvocationStart(name);
    expect(await firstDecisionAfter(name, started)).toBeLessThanOrEqual(TICK_MS + SLACK_MS);
  });

  it('wakes for a schedule run within one tick of the invocation', async () => {
    const name = functionName('wake-sched');
    await deploy(name);
    // An hourly schedule, run now by the server the way it runs on time.
    expect((await pyfaas.request('POST', '/v1/triggers', { name: `s-${name}`, kind: 'schedule', function: name, config: { interval: '1h' } })).status).toBe(201);
    await untilAsleep(name);
    await pyfaas.running.client.schedule.getHandle(scheduleIdOf(`s-${name}`)).trigger();
    const started = await firstInvocationStart(name);
    expect(await firstDecisionAfter(name, started)).toBeLessThanOrEqual(TICK_MS + SLACK_MS);
  });

  it('wakes for a policy change within one tick, and the fixed module then pins its count while awake', async () => {
    const name = functionName('wake-policy');
    await deploy(name);
    await untilAsleep(name);
    const since = Date.now();
    expect((await pyfaas.request('PATCH', `/v1/functions/${name}`, { scaling: { module: 'fixed', params: { instances: 2 } } })).status).toBe(200);
    expect(await firstDecisionAfter(name, since)).toBeLessThanOrEqual(TICK_MS + SLACK_MS);
    expect(await eventually(async () => warm(name) === 2, 20_000)).toBe(true);
    // Pinned: no demand, yet it stays awake with its count.
    await new Promise((r) => setTimeout(r, 3 * TICK_MS));
    expect(warm(name)).toBe(2);
    expect(await scaling(name)).toMatchObject({ running: true, decisions: expect.arrayContaining([expect.objectContaining({ mode: 'fixed', desired: 2 })]) });
    // Back to zero instances: it falls asleep again.
    expect((await pyfaas.request('PATCH', `/v1/functions/${name}`, { scaling: SLEEPY_KPA })).status).toBe(200);
    await untilAsleep(name);
  });
});
