/**
 * Kafka → function, end to end: completed invocations per second when records go through a
 * PyFaaS Kafka trigger (bridge → invokeFunction → sandboxed Python), beside a bare kafkajs
 * consumer that starts the same `invokeFunction` workflow for each record (same event, same
 * worker, same function, same run); then the lag from a record's produce timestamp to the
 * moment the function began running, at a steady produce rate.
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/kafka-invocations.js \
 *     [--records 1000] [--rounds 2] [--window 64] [--lag-records 200] [--lag-rate 20]
 *
 * Rates come from Temporal's own start and close times (first start to last close).
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { silentLogger } from '../common/logger';
import { loadConfig } from '../infra/config';
import { generateToken } from '../modules/auth/tokens';
import { freePort } from '../infra/ports';
import { INVOKE_WORKFLOW, invocationStart } from '../modules/task/invocation-start';
import { toRecordEvent } from '../modules/trigger/kafka';
import { startPyFaaS } from '../process/serve';
import type { InvocationRecord } from '../contracts/invocation';
import { PARTITIONS, bareConsumer, produce, produceSteadily, startKafkaBench } from './kafka-support';
import { option, pad, percentile, round, runBenchmark } from './stats';

const RECORDS = option('records', 1000);
const ROUNDS = option('rounds', 2);
const WINDOW = option('window', 64);
const LAG_RECORDS = option('lag-records', 200);
const LAG_RATE = option('lag-rate', 20);
const FUNCTION = 'stamp';
const CODE = 'import time\n\ndef handler(event, context):\n    return {"startedAtMs": time.time() * 1000, "producedAt": event["timestamp"]}\n';

type Variant = 'bridge' | 'bare';

async function main(): Promise<void> {
  const bench = await startKafkaBench('kafka-e2e', { bubblewrap: true });
  const { logger, dataDir, stack, kafka } = bench;
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  const brokers = stack.kafkaBrokers!;
  const config = loadConfig({
    PYFAAS_DATA_DIR: dataDir, PYFAAS_API_PORT: String(await freePort()), PYFAAS_TEMPORAL_ADDRESS: stack.temporalAddress,
    PYFAAS_TASK_QUEUE: 'bench', PYFAAS_KAFKA_BROKERS: brokers.join(','), PYFAAS_BRIDGE_REFRESH_MS: '500', PYFAAS_ADMIN_TOKEN: generateToken(),
  });
  const pyfaas = await startPyFaaS(config, silentLogger());
  const newTopic = (variant: Variant) => bench.newTopic(`e2e-${variant}`);
  const api = async (method: string, pathname: string, body?: unknown) => {
    const response = await fetch(`${pyfaas.apiUrl}${pathname}`, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${config.auth.adminToken}` }, body: body === undefined ? undefined : JSON.stringify(body) });
    if (response.status >= 300) throw new Error(`${method} ${pathname}: ${response.status} ${await response.text()}`);
    return response.status === 204 ? undefined : response.json();
  };
  const client = pyfaas.client;

  /** Consumes `topic` with one variant until `count` invocations completed; answers their trigger label. */
  const run = async (variant: Variant, topic: string, count: number, produceRecords: () => Promise<void>) => {
    const label = variant === 'bridge' ? `kafka:${topic}` : `kafka:bare-${topic}`;
    let stop: () => Promise<void>;
    if (variant === 'bridge') {
      await api('POST', '/v1/triggers', { name: topic, kind: 'kafka', function: FUNCTION, config: { topic, startFrom: 'earliest', maxInFlight: WINDOW } });
      stop = () => api('DELETE', `/v1/triggers/${topic}`) as Promise<void>;
    } else {
      stop = await bareConsumer({ kafka, topic, window: WINDOW, groupId: `bare-${topic}` }, async (partition, message) => {
        const converted = toRecordEvent(message, topic, partition, { maxRecordBytes: 1024 * 1024 });
        if (!converted.ok) throw new Error(converted.detail);
        const input = { functionName: FUNCTION, event: converted.event, mode: 'async' as const, trigger: label };
        await client.workflow.start(INVOKE_WORKFLOW, { taskQueue: 'bench', workflowId: `bare:${topic}:${partition}:${message.offset}`, workflowIdReusePolicy: 'REJECT_DUPLICATE', ...invocationStart(input) });
      });
    }
    await produceRecords();
    const query = `PyFaaSTrigger = '${label}' AND ExecutionStatus = 'Completed'`;
    while ((await client.workflow.count(query)).count < count) await new Promise((r) => setTimeout(r, 250));
    await stop();
    return query;
  };

  try {
    await api('POST', '/v1/functions', { name: FUNCTION, runtime: 'python3', handler: 'main.handler', maxConcurrency: WINDOW, code: { inline: CODE } });
    const rates: Record<Variant, number[]> = { bridge: [], bare: [] };
    for (let r = 0; r < ROUNDS; r += 1) {
      for (const variant of (r % 2 === 0 ? ['bare', 'bridge'] : ['bridge', 'bare']) as Variant[]) {
        const topic = await newTopic(variant);
        logger.info(`completed invocations, round ${r + 1}/${ROUNDS}: ${variant}, ${RECORDS} records`);
        const query = await run(variant, topic, RECORDS, () => produce(kafka, topic, RECORDS));
        rates[variant].push(await completionRate(client, query));
      }
    }
    const lags: Record<Variant, number[]> = { bridge: [], bare: [] };
    for (const variant of ['bare', 'bridge'] as Variant[]) {
      const topic = await newTopic(variant);
      logger.info(`lag: ${variant}, ${LAG_RECORDS} records at ${LAG_RATE}/s`);
      const query = await run(variant, topic, LAG_RECORDS, async () => {
        await new Promise((resolve) => setTimeout(resolve, 3000)); // the group joins before the first record
        await produceSteadily(kafka, topic, LAG_RECORDS, LAG_RATE);
      });
      lags[variant] = await startLags(client, query);
    }

    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    const figures = {
      completed: { bridge: round(mean(rates.bridge)), baseline: round(mean(rates.bare)), ratio: round(mean(rates.bridge) / mean(rates.bare)), goal: '≥ 0.9× bare kafkajs consumer', unit: 'completed invocations/s', rounds: { bridge: rates.bridge.map(round), bare: rates.bare.map(round) } },
      lagP50: { bridge: round(percentile(lags.bridge, 50)), baseline: round(percentile(lags.bare, 50)), ratio: round(percentile(lags.bridge, 50) / percentile(lags.bare, 50)), unit: 'ms, produce → function start', produceRate: LAG_RATE },
      lagP99: { bridge: round(percentile(lags.bridge, 99)), baseline: round(percentile(lags.bare, 99)), ratio: round(percentile(lags.bridge, 99) / percentile(lags.bare, 99)), unit: 'ms' },
    };
    console.log('\nfigure                          bridge      bare        ratio   goal');
    console.log(`completed invocations/s         ${pad(figures.completed.bridge)}${pad(figures.completed.baseline)}${pad(figures.completed.ratio, 8)}${figures.completed.goal}`);
    console.log(`lag p50, produce → function (ms) ${pad(figures.lagP50.bridge)}${pad(figures.lagP50.baseline)}${pad(figures.lagP50.ratio, 8)}reported`);
    console.log(`lag p99, produce → function (ms) ${pad(figures.lagP99.bridge)}${pad(figures.lagP99.baseline)}${pad(figures.lagP99.ratio, 8)}reported`);
    console.log(`\n${JSON.stringify({ benchmark: 'kafka-invocations', records: RECORDS, rounds: ROUNDS, window: WINDOW, partitions: PARTITIONS, figures }, null, 2)}`);
  } finally {
    await pyfaas.close();
    await bench.close();
  }
}

/** Invocations per second from the first start to the last close, as Temporal recorded them. */
async function completionRate(client: Client, query: string): Promise<number> {
  let first = Infinity;
  let last = 0;
  let count = 0;
  for await (const execution of client.workflow.list({ query, pageSize: 1000 })) {
    first = Math.min(first, execution.startTime.getTime());
    last = Math.max(last, execution.closeTime!.getTime());
    count += 1;
  }
  return count / ((last - first) / 1000);
}

/** For each invocation: the function's own start time minus its record's produce timestamp. */
async function startLags(client: Client, query: string): Promise<number[]> {
  const lags: number[] = [];
  for await (const execution of client.workflow.list({ query, pageSize: 1000 })) {
    const record = (await client.workflow.getHandle(execution.workflowId).result()) as InvocationRecord;
    const { startedAtMs, producedAt } = record.result as { startedAtMs: number; producedAt: string };
    lags.push(startedAtMs - Date.parse(producedAt));
  }
  return lags;
}

runBenchmark(main);
