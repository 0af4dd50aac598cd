/**
 * The multi-host proof: three hosts on this machine (each its own network namespace, data dir
 * and cgroup held to a CPU quota) — A runs PostgreSQL, Temporal, Kafka and versitygw; B runs
 * PyFaaS as api+bridge+worker, C as a worker, both with the S3 object store on A. Proves that
 * work sent through B runs on B and C, that C cold-starts a function deployed via B from the
 * object store, and that functions cannot reach host A; then, under a steady load of sync,
 * async and Kafka-triggered invocations whose every run posts a side effect to a ledger, kills
 * C's PyFaaS, cuts C's network, and SIGKILLs Temporal and Kafka, counting per fault the
 * requests lost and duplicated (by idempotency key against the ledger).
 *
 *   npm run cluster [-- --faults kill-worker,cut-worker,temporal,kafka] [--rate 3] [--settle-ms 6000]
 *                      [--cores 0.5] [--temporal dev|server] [--json out.json] [--check] [--keep]
 *
 * `--check` exits 1 when a proof fails or a fault misses a goal (0 lost, 0 duplicated, 0
 * hanging, recovery ≤ 30 s). Needs root (network namespaces, cgroups).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { listOption, optionValue } from '../chaos/options';
import { prepare } from '../chaos/prepare';
import { startLedger } from '../chaos/internet';
import { SteadyLoad } from '../chaos/load';
import { effectsByKey, formatTable, GOALS, goalsMet, recoveryMs, tallyWindow, type FaultRow } from '../chaos/tally';
import { createLogger } from '../common/logger';
import { startCluster, clusterHostPlans, TEMPORAL_MODES, type Cluster, type ClusterOptions } from './cluster';
import { insideTopology, runInTopology, type Inside } from './enter';
import { CLUSTER_FAULTS, inject, type ClusterFault } from './faults';
import { HOST_A_PORTS } from './host-a-plan';
import { deployProofFunctions, invocationsOnNode, invocationStats, proveColdStartOnWorker, proveFunctionsCannotReachHostA, proveWorkSpreads, type Proof } from './proofs';
import { hostNamed } from './topology';

const FUNCTION = 'ledgered';
const TOPIC = 'cluster-events';
const RECOVERY_WAIT_MS = 60_000;

interface Options {
  faults: ClusterFault[];
  rate: number;
  settleMs: number;
  cores: number;
  temporal: ClusterOptions['temporal'];
  json?: string;
  check: boolean;
  keep: boolean;
}

function parseOptions(argv: string[]): Options {
  const value = (name: string) => optionValue(argv, name);
  const faults = listOption<ClusterFault>(argv, 'faults', CLUSTER_FAULTS);
  const [temporal = 'dev'] = listOption<ClusterOptions['temporal']>(argv, 'temporal', TEMPORAL_MODES, ['dev']);
  return {
    faults, temporal, rate: Number(value('rate') ?? 3), settleMs: Number(value('settle-ms') ?? 6000), cores: Number(value('cores') ?? 0.5),
    json: value('json'), check: argv.includes('--check'), keep: argv.includes('--keep'),
  };
}

const logger = createLogger({ level: 'info', name: 'cluster', pretty: process.stdout.isTTY });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Lost, duplicated and hanging as in `npm run chaos`; recovery within 30 s (Kafka's restart on A and the consumers' rejoin take longer than on one host). */
const CLUSTER_GOALS = { ...GOALS, recoveryMs: 30_000 };

/**
 * A burst on top of the steady load (more than B alone takes at once, so placement puts part
 * of it on C); returns once C's heartbeat shows it ran some of it (at most 10 s), with how
 * many: the fault then lands mid-burst, on work C has.
 */
async function startBurst(cluster: Cluster, load: SteadyLoad): Promise<number> {
  const worker = cluster.workers[0].nodeId;
  const before = await invocationsOnNode(cluster, worker, FUNCTION);
  load.burst('async', 24);
  load.burst('sync', 8);
  const deadline = Date.now() + 10_000;
  let ran = 0;
  while (ran === 0 && Date.now() < deadline) {
    await sleep(250);
    ran = (await invocationsOnNode(cluster, worker, FUNCTION).catch(() => before)) - before;
  }
  return ran;
}

async function runFaults(options: Options, inside: Inside, cluster: Cluster, load: SteadyLoad, effects: Parameters<typeof effectsByKey>[0]) {
  /** `workerRan`: how many of the burst C had run when the fault came. */
  const windows: Array<{ fault: string; label?: string; kill?: { killed: string; at: number }; workerRan?: number }> = [{ fault: 'none (steady load)' }];
  load.start();
  await sleep(options.settleMs);
  for (const fault of options.faults) {
    load.window = windows.length;
    await sleep(options.settleMs);
    const workerRan = fault === 'kill-worker' || fault === 'cut-worker' ? await startBurst(cluster, load) : undefined;
    const injected = inject(fault, cluster, inside.topology);
    windows.push({ fault, label: injected.label, kill: { killed: injected.label, at: injected.at }, workerRan });
    logger.info(injected.label);
    const items = () => load.items.filter((item) => item.window === windows.length - 1);
    const deadline = Date.now() + RECOVERY_WAIT_MS;
    while (recoveryMs(items(), effectsByKey(effects), injected.at) === undefined && Date.now() < deadline) await sleep(500);
    await injected.healed;
    logger.info(`${fault}: the cluster is whole again`);
  }
  load.window = windows.length;
  await sleep(options.settleMs);
  return windows;
}

async function inTopology(options: Options, inside: Inside): Promise<number> {
  const { topology } = inside;
  const ledger = await startLedger([], topology.internetAddress);
  let cluster: Cluster | undefined;
  try {
    const kafka = new Kafka({ clientId: 'pyfaas-cluster', brokers: [`${hostNamed(topology, 'a').address}:${HOST_A_PORTS.kafka}`], logLevel: logLevel.NOTHING });
    cluster = await startCluster(inside, { apiRole: 'all', workerHosts: 1, cores: options.cores, temporal: options.temporal, keep: options.keep }, logger);
    await prepare(cluster.client, kafka, ledger, FUNCTION, TOPIC);
    await deployProofFunctions(cluster.client);
    const s3Dir = path.join(cluster.dir, 'a', 'objects', 'pyfaas');
    const proofs: Proof[] = [
      await proveFunctionsCannotReachHostA(cluster, hostNamed(topology, 'a').address, topology.internetAddress),
      await proveWorkSpreads(cluster, FUNCTION),
      await proveColdStartOnWorker(cluster, s3Dir),
    ];
    for (const proof of proofs) logger.info({ detail: proof.detail }, `${proof.ok ? 'proved' : 'NOT proved'}: ${proof.name}`);

    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const load = new SteadyLoad(cluster.client, producer, { functionName: FUNCTION, topic: TOPIC, rate: options.rate, giveUpMs: 120_000 });
    const windows = await runFaults(options, inside, cluster, load, ledger.effects);
    logger.info('stopping the load; waiting for every request to end…');
    await load.stop();
    await load.settleAsync(Date.now() + 120_000);
    const kafkaKeys = load.items.filter((item) => item.stream === 'kafka' && item.acceptedAt).map((item) => item.key);
    const kafkaDeadline = Date.now() + 90_000;
    while (Date.now() < kafkaDeadline && !kafkaKeys.every((key) => ledger.effects.some((effect) => effect.key === key))) await sleep(1000);
    await sleep(3000); // late duplicates, if any, arrive too
    await producer.disconnect();

    const rows: FaultRow[] = windows.map((window, index) => ({
      ...tallyWindow(window.fault, load.items.filter((item) => item.window === index), ledger.effects, window.kill),
      label: window.label,
    }));
    const tail = load.items.filter((item) => item.window === windows.length);
    if (tail.length > 0) rows.push(tallyWindow('none (after the faults)', tail, ledger.effects));
    // Where each window's API invocations ran, and how many needed a second attempt: the
    // faults on C hit work in flight there.
    const byNode = [];
    for (const [index, row] of rows.entries()) {
      const window = index < windows.length ? index : windows.length;
      const ids = load.items.filter((item) => item.window === window && item.invocationId).map((item) => item.invocationId!);
      byNode.push({ fault: row.label ?? row.fault, workerRanBeforeFault: windows[index]?.workerRan, ...(await invocationStats(cluster, ids)) });
    }
    console.log(proofs.map((proof) => `${proof.ok ? 'ok    ' : 'FAILED'} ${proof.name} — ${proof.detail}`).join('\n'));
    console.log(formatTable(rows, CLUSTER_GOALS));
    console.log(byNode.map((entry) => {
      const burst = entry.workerRanBeforeFault === undefined ? '' : `; C had run ${entry.workerRanBeforeFault} of the burst when it came`;
      return `${entry.fault}: sync+async by node ${JSON.stringify(entry.byNode)}, ${entry.retried} retried${burst}`;
    }).join('\n'));
    for (const row of rows) for (const example of row.lostExamples) logger.warn({ fault: row.fault }, `lost: ${example}`);
    if (options.json) writeFileSync(options.json, JSON.stringify({ options, topology, proofs, rows, byNode }, null, 2));
    return options.check && !(proofs.every((proof) => proof.ok) && rows.every((row) => goalsMet(row, CLUSTER_GOALS))) ? 1 : 0;
  } finally {
    await cluster?.stop();
    ledger.stop();
  }
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const options = parseOptions(argv);
  const inside = insideTopology();
  if (!inside) return runInTopology(clusterHostPlans({ workerHosts: 1, cores: options.cores }), __filename, argv);
  return inTopology(options, inside);
}

main().then(
  (code) => process.exit(code),
  (err) => {
    logger.error({ err }, `cluster run failed: ${(err as Error).message}`);
    process.exit(2);
  },
);
