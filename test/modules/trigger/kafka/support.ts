import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Kafka, logLevel, type Admin, type Message } from 'kafkajs';
import type { BridgeStatus, KafkaTriggerSpec, StartRequest, WorkflowStarter } from '../../../../modules/trigger/kafka';
import { createTemporalStarter } from '../../../../modules/trigger/kafka';
import type { RunBridgeConfig } from '../../../../modules/trigger/kafka/run-bridge';
import { REPO_ROOT, testServices } from '../../../support/services';

export interface SharedServices {
  kafka: Kafka;
  admin: Admin;
  temporal: TemporalProbe;
}

/** A kafkajs client and admin on the run's broker and a Temporal probe, for one test file's `describe`. */
export function useSharedServices(): SharedServices {
  const services = {} as SharedServices;
  beforeAll(async () => {
    services.kafka = kafkaClient();
    services.admin = services.kafka.admin();
    await services.admin.connect();
    services.temporal = await TemporalProbe.connect();
  });
  afterAll(async () => {
    await services.admin.disconnect();
    await services.temporal.close();
  });
  return services;
}

/** A short unique suffix, so each test has its own topics, groups and workflow ids. */
export function unique(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export function kafkaClient(brokers: string[] = testServices().kafkaBrokers): Kafka {
  return new Kafka({ brokers, clientId: 'bridge-test', logLevel: logLevel.NOTHING, retry: { retries: 10, maxRetryTime: 3000 } });
}

export async function createTopic(admin: Admin, topic: string, numPartitions: number): Promise<void> {
  await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true });
}

/** Sends `count` JSON records `{n}` round-robin over `partitions` partitions, in chunks. */
export async function produceNumbered(kafka: Kafka, topic: string, count: number, partitions: number, from = 0): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    for (let start = from; start < from + count; start += 1000) {
      const messages: Message[] = [];
      for (let n = start; n < Math.min(from + count, start + 1000); n += 1) messages.push({ partition: n % partitions, key: `k${n}`, value: JSON.stringify({ n }) });
      await producer.send({ topic, messages, acks: -1 });
    }
  } finally {
    await producer.disconnect();
  }
}

/** The run's Temporal server, for starting workflows and counting them by workflow-id prefix. */
export class TemporalProbe {
  private constructor(
    readonly client: Client,
    private readonly connection: Connection,
  ) {}

  static async connect(): Promise<TemporalProbe> {
    const connection = await Connection.connect({ address: testServices().temporalAddress });
    return new TemporalProbe(new Client({ connection }), connection);
  }

  async count(prefix: string): Promise<number> {
    return (await this.client.workflow.count(`WorkflowId STARTS_WITH '${prefix}'`)).count;
  }

  /** Every execution (not only the latest run of each id) whose id starts with `prefix`. */
  async listIds(prefix: string): Promise<string[]> {
    const ids: string[] = [];
    for await (const execution of this.client.workflow.list({ query: `WorkflowId STARTS_WITH '${prefix}'`, pageSize: 1000 })) ids.push(execution.workflowId);
    return ids;
  }

  /** Polls until `count(prefix)` reaches `expected` (visibility lags the starts a little). */
  async waitForCount(prefix: string, expected: number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let seen = await this.count(prefix);
    while (seen < expected && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      seen = await this.count(prefix);
    }
    return seen;
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}

/**
 * The test's starter: the real Temporal starter on `pingWorker` with a task queue nobody polls
 * and a long start delay, so each workflow just stays open (cheapest for the server). Records
 * the ids it started and how many answered duplicate.
 */
export function recordingStarter(client: Client, taskQueue = unique('no-worker')) {
  const started = new Set<string>();
  const requests: StartRequest[] = [];
  let duplicates = 0;
  const start = createTemporalStarter({ client, workflowType: 'pingWorker', taskQueue, prepare: () => ({ args: ['x'], options: { startDelay: '1 day' } }) });
  const starter: WorkflowStarter = async (request) => {
    const answer = await start(request);
    requests.push(request);
    if (answer === 'started') started.add(request.workflowId);
    else duplicates += 1;
    return answer;
  };
  return { starter, started, requests, duplicates: () => duplicates, taskQueue };
}

export const RUN_BRIDGE = path.join(REPO_ROOT, 'dist', 'modules', 'trigger', 'kafka', 'run-bridge.js');

export interface BridgeChild {
  child: ChildProcess;
  /** The last status the child logged. */
  status(): BridgeStatus | undefined;
  output(): string;
  exited: Promise<number | null>;
}

/** Runs the built bridge CLI (`npm run build` or `npx tsc -p tsconfig.build.json` first). */
export function startBridgeChild(config: RunBridgeConfig): BridgeChild {
  const child = spawn(process.execPath, [RUN_BRIDGE, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let last: BridgeStatus | undefined;
  let output = '';
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      try {
        const entry = JSON.parse(line);
        if (entry.msg === 'bridge status') last = entry.status;
        else output += `${line}\n`;
      } catch {
        output += `${line}\n`;
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, status: () => last, output: () => output.slice(-20_000), exited };
}

export function childConfig(triggers: KafkaTriggerSpec[], extra: Partial<RunBridgeConfig> & { taskQueue: string }): RunBridgeConfig {
  return {
    brokers: testServices().kafkaBrokers,
    temporalAddress: testServices().temporalAddress,
    workflowType: 'pingWorker',
    workflowArgs: ['x'],
    triggers: triggers as unknown as RunBridgeConfig['triggers'],
    statusEveryMs: 500,
    sessionTimeoutMs: 6000,
    logLevel: 'warn',
    ...extra,
  };
}

/** Polls `condition` every 200 ms until it holds; throws with `describe()` when `timeoutMs` passes. */
export async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Committed offsets of a group on a topic, summed over partitions (-1 counts as 0). */
export async function committedTotal(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return offsets.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
}
