/**
 * The fault-injection suite: under a steady mixed load (sync, async and Kafka-triggered
 * invocations of one network-enabled function whose every run posts a side effect to a
 * ledger "on the internet"), SIGKILLs in turn the PyFaaS process, the Temporal server,
 * Kafka, PostgreSQL and a function instance of a `pyfaas up` stack, then counts per fault:
 * requests lost, duplicated, sync callers left hanging, and the time to recover.
 *
 *   npm run chaos [-- --faults pyfaas,instance] [--rate 3] [--settle-ms 8000] [--json out.json] [--check] [--keep]
 *
 * `--check` exits 1 when a goal is missed (0 lost, 0 duplicated, 0 hanging, recovery ≤ 15 s);
 * `--keep` keeps the stack's data dir and logs.
 * Needs root (network namespaces, cgroups), like the platform itself.
 */
import { writeFileSync } from 'node:fs';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { createLogger } from '../common/logger';
import { ChaosApi } from './api';
import { FAULTS, inject, type Fault } from './faults';
import { startInternet, type Internet } from './internet';
import { SteadyLoad } from './load';
import { listOption, optionValue } from './options';
import { prepare } from './prepare';
import { startChaosStack, type ChaosStack } from './stack';
import { effectsByKey, formatTable, goalsMet, recoveryByStream, recoveryMs, tallyWindow, type FaultRow } from './tally';

const FUNCTION = 'chaos';
const TOPIC = 'chaos-events';
const RECOVERY_WAIT_MS = 60_000;

interface Options {
  faults: Fault[];
  rate: number;
  settleMs: number;
  json?: string;
  check: boolean;
  keep: boolean;
}

function parseOptions(argv: string[]): Options {
  const value = (name: string) => optionValue(argv, name);
  const faults = listOption<Fault>(argv, 'faults', FAULTS);
  return { faults, rate: Number(value('rate') ?? 3), settleMs: Number(value('settle-ms') ?? 8000), json: value('json'), check: argv.includes('--check'), keep: argv.includes('--keep') };
}

const logger = createLogger({ level: 'info', name: 'chaos', pretty: process.stdout.isTTY });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Window {
  fault: string;
  kill?: { killed: string; at: number };
  /** Each service's restarts so far, read once the fault was recovered from (or given up on). */
  restarts?: Record<string, number>;
}

async function runFaults(options: Options, stack: ChaosStack, load: SteadyLoad, internet: Internet): Promise<Window[]> {
  const windows: Window[] = [{ fault: 'none (steady load)' }];
  load.start();
  logger.info({ rate: options.rate }, `steady load: ${options.rate}/s each of sync, async and Kafka-triggered invocations`);
  await sleep(options.settleMs);
  for (const fault of options.faults) {
    load.window = windows.length;
    await sleep(options.settleMs);
    const restartsBefore = Object.fromEntries(stack.services().map((service) => [service.name, service.restarts]));
    const killed = inject(fault, stack, FUNCTION);
    const window: Window & { kill: { killed: string; at: number } } = { fault, kill: { killed, at: Date.now() } };
    windows.push(window);
    logger.info(`SIGKILL ${killed}`);
    const deadline = Date.now() + RECOVERY_WAIT_MS;
    const windowItems = () => load.items.filter((item) => item.window === windows.length - 1);
    let recovered: number | undefined;
    while (recovered === undefined && Date.now() < deadline) {
      await sleep(500);
      recovered = recoveryMs(windowItems(), effectsByKey(internet.effects), window.kill.at);
    }
    // Requests may succeed again a moment before the supervisor records the restart.
    const restartedBy = Date.now() + 30_000;
    const killedService = () => stack.services().find((service) => service.name === fault);
    while (fault !== 'instance' && Date.now() < restartedBy && !(killedService()?.state === 'running' && (killedService()?.restarts ?? 0) > (restartsBefore[fault] ?? 0))) await sleep(200);
    const restarts = Object.fromEntries(stack.services().map((service) => [service.name, service.restarts]));
    window.restarts = restarts;
    const byStream = recoveryByStream(windowItems(), effectsByKey(internet.effects), window.kill.at);
    logger.info({ restarts, recoveryByStreamMs: byStream }, recovered === undefined ? `${fault}: not recovered within ${RECOVERY_WAIT_MS / 1000} s` : `${fault}: recovered in ${(recovered / 1000).toFixed(1)} s`);
  }
  load.window = windows.length;
  await sleep(options.settleMs);
  return windows;
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const cleanups: Array<() => Promise<void> | void> = [];
  const cleanUp = async () => {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
  };
  process.once('SIGINT', () => void cleanUp().then(() => process.exit(130)));
  try {
    const internet = await startInternet();
    cleanups.push(() => internet.stop());
    const stack = await startChaosStack(logger, options.keep);
    cleanups.push(() => stack.stop());
    const api = new ChaosApi(stack.apiUrl, stack.adminToken);
    const kafka = new Kafka({ clientId: 'pyfaas-chaos', brokers: stack.kafkaBrokers, logLevel: logLevel.NOTHING });
    await prepare(api, kafka, internet, FUNCTION, TOPIC);
    // Idempotent, so the producer's own retries never write a record twice.
    const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    cleanups.push(() => producer.disconnect());

    const load = new SteadyLoad(api, producer, { functionName: FUNCTION, topic: TOPIC, rate: options.rate, giveUpMs: 120_000 });
    const windows = await runFaults(options, stack, load, internet);
    logger.info('stopping the load; waiting for every request to end…');
    await load.stop();
    await load.settleAsync(Date.now() + 120_000);
    const kafkaKeys = load.items.filter((item) => item.stream === 'kafka' && item.acceptedAt).map((item) => item.key);
    const kafkaDeadline = Date.now() + 90_000;
    while (Date.now() < kafkaDeadline && !kafkaKeys.every((key) => internet.effects.some((effect) => effect.key === key))) await sleep(1000);
    await sleep(3000); // late duplicates, if any, arrive too

    const rows: FaultRow[] = windows.map((window, index) => ({
      ...tallyWindow(window.fault, load.items.filter((item) => item.window === index), internet.effects, window.kill),
      restarts: window.restarts,
    }));
    // Requests sent after the last fault belong to its window.
    const tail = load.items.filter((item) => item.window === windows.length);
    if (tail.length > 0) rows.push(tallyWindow('none (after the faults)', tail, internet.effects));
    console.log(formatTable(rows));
    for (const row of rows) for (const example of row.lostExamples) logger.warn({ fault: row.fault }, `lost: ${example}`);
    if (options.json) writeFileSync(options.json, JSON.stringify({ options, rows }, null, 2));
    return options.check && !rows.every((row) => goalsMet(row)) ? 1 : 0;
  } finally {
    await cleanUp();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    logger.error({ err }, `chaos run failed: ${(err as Error).message}`);
    process.exit(2);
  },
);
