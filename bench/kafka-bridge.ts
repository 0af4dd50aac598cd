/**
 * Kafka bridge benchmark: records turned into started workflows per second by the bridge
 * (exactly one start per record, commit after start) beside a bare kafkajs consumer that calls
 * `client.workflow.start` for each record with the same concurrency (and commits each batch
 * after it), same broker, same Temporal server, same run; then the end-to-end lag from a
 * record's produce timestamp to its workflow start, for both, at a steady produce rate.
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/kafka-bridge.js \
 *     [--records 2000] [--rounds 2] [--window 64] [--lag-records 300] [--lag-rate 20]
 *
 * Workflows go to a task queue nobody polls, with a start delay, so the figure is the start
 * path alone (Kafka → bridge → Temporal accepting the start). Prints a table and JSON.
 */
import { Client, Connection } from '@temporalio/client';
import type { Kafka } from 'kafkajs';
import { silentLogger } from '../common/logger';
import { KafkaBridge, createTemporalStarter, type StartRequest } from '../modules/trigger/kafka';
import { PARTITIONS, bareConsumer, produce, produceSteadily, startKafkaBench } from './kafka-support';
import { option, pad, percentile, round, runBenchmark } from './stats';

const RECORDS = option('records', 2000);
const ROUNDS = option('rounds', 2);
const WINDOW = option('window', 64);
const LAG_RECORDS = option('lag-records', 300);
const LAG_RATE = option('lag-rate', 20);
const TASK_QUEUE = 'bench-nobody-polls';

type Variant = 'bridge' | 'bare';

/** Counts acknowledged starts; resolves `done` at `expected`. Lag: ack time − record timestamp. */
class StartLog {
  readonly lags: number[] = [];
  private times: number[] = [];
  readonly done: Promise<void>;
  private finish!: () => void;

  constructor(private readonly expected: number) {
    this.done = new Promise((resolve) => (this.finish = resolve));
  }

  record(producedAtMs: number): void {
    const now = Date.now();
    this.times.push(now);
    this.lags.push(now - producedAtMs);
    if (this.times.length === this.expected) this.finish();
  }

  /** Starts per second from the first acknowledged start to the last (group joins excluded). */
  rate(): number {
    const seconds = (this.times[this.times.length - 1] - this.times[0]) / 1000;
    return (this.times.length - 1) / seconds;
  }
}

async function main(): Promise<void> {
  const bench = await startKafkaBench('kafka', { bubblewrap: false });
  const { logger, stack, kafka } = bench;
  const connection = await Connection.connect({ address: stack.temporalAddress! });
  const client = new Client({ connection });
  const brokers = stack.kafkaBrokers!;
  const newTopic = (variant: Variant) => bench.newTopic(`bench-${variant}`);
  try {
    const rates: Record<Variant, number[]> = { bridge: [], bare: [] };
    for (let r = 0; r < ROUNDS; r += 1) {
      // Alternate the order: the server's database grows during the run.
      for (const variant of (r % 2 === 0 ? ['bare', 'bridge'] : ['bridge', 'bare']) as Variant[]) {
        const topic = await newTopic(variant);
        await produce(kafka, topic, RECORDS);
        logger.info(`throughput round ${r + 1}/${ROUNDS}: ${variant}, ${RECORDS} records`);
        const log = new StartLog(RECORDS);
        const stop = await consume(variant, { client, brokers, kafka, topic, log });
        await log.done;
        await stop();
        rates[variant].push(log.rate());
      }
    }
    const lags: Record<Variant, number[]> = { bridge: [], bare: [] };
    for (const variant of ['bare', 'bridge'] as Variant[]) {
      const topic = await newTopic(variant);
      logger.info(`lag: ${variant}, ${LAG_RECORDS} records at ${LAG_RATE}/s`);
      const log = new StartLog(LAG_RECORDS);
      const stop = await consume(variant, { client, brokers, kafka, topic, log });
      await new Promise((resolve) => setTimeout(resolve, 3000)); // let the group settle before producing
      await produceSteadily(kafka, topic, LAG_RECORDS, LAG_RATE);
      await log.done;
      await stop();
      lags[variant] = log.lags;
    }

    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    const figures = {
      throughput: { bridge: round(mean(rates.bridge)), baseline: round(mean(rates.bare)), ratio: round(mean(rates.bridge) / mean(rates.bare)), goal: '≥ 0.9× bare kafkajs consumer', unit: 'started workflows/s', rounds: { bridge: rates.bridge.map(round), bare: rates.bare.map(round) } },
      lagP50: { bridge: round(percentile(lags.bridge, 50)), baseline: round(percentile(lags.bare, 50)), ratio: round(percentile(lags.bridge, 50) / percentile(lags.bare, 50)), unit: 'ms, produce → start acknowledged', produceRate: LAG_RATE },
      lagP99: { bridge: round(percentile(lags.bridge, 99)), baseline: round(percentile(lags.bare, 99)), ratio: round(percentile(lags.bridge, 99) / percentile(lags.bare, 99)), unit: 'ms' },
    };
    console.log('\nfigure                       bridge      bare        ratio   goal');
    console.log(`throughput (starts/s)        ${pad(figures.throughput.bridge)}${pad(figures.throughput.baseline)}${pad(figures.throughput.ratio, 8)}${figures.throughput.goal}`);
    console.log(`lag p50 (ms)                 ${pad(figures.lagP50.bridge)}${pad(figures.lagP50.baseline)}${pad(figures.lagP50.ratio, 8)}reported`);
    console.log(`lag p99 (ms)                 ${pad(figures.lagP99.bridge)}${pad(figures.lagP99.baseline)}${pad(figures.lagP99.ratio, 8)}reported`);
    console.log(`\n${JSON.stringify({ benchmark: 'kafka-bridge', records: RECORDS, rounds: ROUNDS, window: WINDOW, partitions: PARTITIONS, figures }, null, 2)}`);
  } finally {
    await connection.close();
    await bench.close();
  }
}

interface ConsumeDeps {
  client: Client;
  brokers: string[];
  kafka: Kafka;
  topic: string;
  log: StartLog;
}

/** Starts consuming `topic` from the beginning with one variant; answers its stop function. */
async function consume(variant: Variant, deps: ConsumeDeps): Promise<() => Promise<void>> {
  const start = createTemporalStarter({ client: deps.client, workflowType: 'pingWorker', taskQueue: TASK_QUEUE, prepare: () => ({ args: ['x'], options: { startDelay: '1 day' } }) });
  if (variant === 'bridge') {
    const bridge = new KafkaBridge({
      brokers: deps.brokers, clientId: 'bench-bridge', logger: silentLogger(),
      triggers: async () => [{ id: `b-${deps.topic}`, topic: deps.topic, startFrom: 'earliest', maxInFlight: WINDOW, functionName: 'bench' }],
      starter: async (request: StartRequest) => {
        const answer = await start(request);
        deps.log.record(Date.parse(request.event.timestamp!));
        return answer;
      },
    });
    await bridge.start();
    return () => bridge.stop();
  }
  return bareStarts(deps);
}

/** The baseline: a plain kafkajs consumer starting the same workflow per record. */
function bareStarts({ client, kafka, topic, log }: ConsumeDeps): Promise<() => Promise<void>> {
  return bareConsumer({ kafka, topic, window: WINDOW, groupId: `bare-${topic}` }, async (partition, message) => {
    await client.workflow.start('pingWorker', { taskQueue: TASK_QUEUE, workflowId: `bare:${topic}:${partition}:${message.offset}`, args: ['x'], workflowIdReusePolicy: 'REJECT_DUPLICATE', startDelay: '1 day' });
    log.record(Number(message.timestamp));
  });
}

runBenchmark(main);
