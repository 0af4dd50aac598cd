/**
 * `npm run bench:cluster`: the invoke benchmark on the multi-host topology (cluster/).
 *
 * 1. Temporal: warm sync p50/p99 (one client) and sync throughput at 32 clients of a
 *    trivial function, host A running the real Temporal server on PostgreSQL vs the dev
 *    server, B (api+bridge+worker) and C (worker) each held to `--cores`.
 *    Goal: the real server's warm p50 ≤ 1.3× the dev server's.
 * 2. Worker hosts: B serves only the API (1 core); C (and D) run a function that burns 20 ms of CPU,
 *    each worker host held to `--worker-cores`; throughput at 32 clients on 1 worker host vs 2.
 *    Goal: 2 hosts ≥ 1.6× the throughput of 1.
 * Each figure is measured `--runs` times (default 2), each beside its baseline of the same run.
 *
 *   npm run bench:cluster [-- --parts temporal,workers] [--temporal dev,server] [--seconds 10] [--runs 2] [--cores 1] [--worker-cores 0.5] [--json out.json]
 *
 * Needs root (network namespaces, cgroups).
 */
import { writeFileSync } from 'node:fs';
import type { ChaosApi } from '../chaos/api';
import { listOption, optionValue } from '../chaos/options';
import { expectStatus } from '../chaos/prepare';
import { startCluster, clusterHostPlans, TEMPORAL_MODES, type Cluster, type ClusterOptions } from '../cluster/cluster';
import { insideTopology, runInTopology, type Inside } from '../cluster/enter';
import type { PyFaaSHost } from '../cluster/hosts';
import { cpuPeriods } from '../cluster/topology';
import { invocationStats } from '../cluster/proofs';
import { createLogger } from '../common/logger';
import { runLoad } from './load';
import type { LoadResult } from './load-client';
import { round } from './stats';

const logger = createLogger({ level: 'info', name: 'bench-cluster', pretty: process.stdout.isTTY });

const PARTS = ['temporal', 'workers'] as const;

interface Options {
  parts: Array<(typeof PARTS)[number]>;
  temporal: Array<ClusterOptions['temporal']>;
  seconds: number;
  runs: number;
  cores: number;
  workerCores: number;
  json?: string;
}

function parseOptions(argv: string[]): Options {
  const value = (name: string) => optionValue(argv, name);
  const temporal = listOption(argv, 'temporal', TEMPORAL_MODES);
  return {
    parts: listOption(argv, 'parts', PARTS), temporal, seconds: Number(value('seconds') ?? 10), runs: Number(value('runs') ?? 2), cores: Number(value('cores') ?? 1),
    workerCores: Number(value('worker-cores') ?? 0.5), json: value('json'),
  };
}

const IDENTITY_CODE = 'def handler(event, context):\n    return event\n';
const BURN_CODE = `import time

def handler(event, context):
    started = time.process_time()
    while time.process_time() - started < 0.02:
        pass
    return {"burned_ms": 20}
`;

async function deploy(client: ChaosApi, name: string, code: string): Promise<void> {
  await expectStatus(`deploying ${name}`, await client.call('POST', '/v1/functions', {
    name, runtime: 'python3', handler: 'main.handler', code: { inline: code }, timeoutMs: 30_000, maxConcurrency: 64,
  }, {}, 120_000), 201);
}

function load(cluster: Cluster, functionName: string, clients: number, seconds: number): Promise<LoadResult> {
  return runLoad({ mode: 'http', url: `${cluster.api.apiUrl}/v1/functions/${functionName}/invoke`, token: cluster.adminToken, clients, seconds });
}

interface TemporalFigures {
  temporal: string;
  run: number;
  warm: LoadResult;
  at32: LoadResult;
}

async function measureTemporal(inside: Inside, options: Options, mode: ClusterOptions['temporal'], run: number): Promise<TemporalFigures> {
  let cluster: Cluster | undefined;
  try {
    cluster = await startCluster(inside, { apiRole: 'all', workerHosts: 1, cores: options.cores, temporal: mode, keep: false }, logger);
    await deploy(cluster.client, 'identity', IDENTITY_CODE);
    await load(cluster, 'identity', 4, 3); // warm instances on both hosts
    const warm = await load(cluster, 'identity', 1, options.seconds);
    const at32 = await load(cluster, 'identity', 32, options.seconds);
    logger.info({ warm, at32 }, `Temporal ${mode}, run ${run}: warm p50 ${warm.p50Ms} ms, p99 ${warm.p99Ms} ms; ${at32.perSecond} calls/s at 32 clients`);
    return { temporal: mode, run, warm, at32 };
  } finally {
    await cluster?.stop();
  }
}

interface WorkerFigures {
  run: number;
  oneHost: LoadResult;
  twoHosts: LoadResult;
  ratio: number;
  /** Where the last 100 calls with two worker hosts ran. */
  twoHostsByNode: Record<string, number>;
  /**
   * Per worker host, the share of its busy CFS periods that hit the quota while two ran: near
   * 100 % the quota was the limit; much lower, the machine gave the host less than its quota.
   */
  twoHostsThrottledPct: Record<string, number>;
}

/** Runs `measure`, and returns with it each host's throttled share of the periods meanwhile, in %. */
async function withThrottling<T>(inside: Inside, hosts: PyFaaSHost[], measure: () => Promise<T>): Promise<{ result: T; throttledPct: Record<string, number> }> {
  const before = hosts.map((host) => cpuPeriods(host.host, inside.rootMountNs));
  const result = await measure();
  const throttledPct = Object.fromEntries(hosts.map((host, index) => {
    const after = cpuPeriods(host.host, inside.rootMountNs);
    const periods = after.periods - before[index].periods;
    return [host.nodeId, periods > 0 ? Math.round((100 * (after.throttled - before[index].throttled)) / periods) : 0];
  }));
  return { result, throttledPct };
}

/** The nodes that ran the function's latest `limit` invocations, from their records. */
async function recentByNode(cluster: Cluster, functionName: string, limit: number): Promise<Record<string, number>> {
  const page = await cluster.client.call('GET', `/v1/invocations?function=${functionName}&limit=${limit}`);
  const ids = ((page.body?.items ?? []) as Array<{ invocationId: string }>).map((item) => item.invocationId);
  return (await invocationStats(cluster, ids)).byNode;
}

async function measureWorkerHosts(inside: Inside, options: Options): Promise<WorkerFigures[]> {
  const cluster = await startCluster(inside, { apiRole: 'api', workerHosts: 2, cores: options.workerCores, apiCores: 1, temporal: 'dev', keep: false }, logger);
  const [c, d] = cluster.workers;
  const figures: WorkerFigures[] = [];
  try {
    await deploy(cluster.client, 'burn', BURN_CODE);
    for (let run = 1; run <= options.runs; run += 1) {
      await d.stop();
      await cluster.waitForNodes([c.nodeId]);
      await load(cluster, 'burn', 32, 3); // warm-up at the measured concurrency
      const oneHost = await load(cluster, 'burn', 32, options.seconds);
      await d.start(async () => true);
      await cluster.waitForNodes([c.nodeId, d.nodeId]);
      await load(cluster, 'burn', 32, 3);
      const { result: twoHosts, throttledPct: twoHostsThrottledPct } = await withThrottling(inside, [c, d], () => load(cluster, 'burn', 32, options.seconds));
      const twoHostsByNode = await recentByNode(cluster, 'burn', 100);
      const ratio = round(twoHosts.perSecond / Math.max(0.01, oneHost.perSecond));
      logger.info({ oneHost, twoHosts, twoHostsByNode, twoHostsThrottledPct }, `worker hosts, run ${run}: 1 host ${oneHost.perSecond} calls/s, 2 hosts ${twoHosts.perSecond} calls/s (${ratio}×)`);
      figures.push({ run, oneHost, twoHosts, ratio, twoHostsByNode, twoHostsThrottledPct });
    }
    return figures;
  } finally {
    await cluster.stop();
  }
}

function table(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...all.map((line) => line[column].length)));
  const render = (line: string[]) => `| ${line.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  return [render(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...rows.map(render)].join('\n');
}

function temporalReport(options: Options, temporal: TemporalFigures[]): string {
  const rows = temporal.map((figure) => {
    const dev = temporal.find((other) => other.run === figure.run && other.temporal === 'dev');
    const vsDev = dev && figure.temporal !== 'dev' ? `${round(figure.warm.p50Ms / dev.warm.p50Ms)}×` : '—';
    const goal = figure.temporal === 'dev' ? '—' : figure.warm.p50Ms <= 1.3 * (dev?.warm.p50Ms ?? 0) ? 'met' : 'MISSED';
    return [String(figure.run), figure.temporal, `${figure.warm.p50Ms} ms`, `${figure.warm.p99Ms} ms`, `${figure.at32.perSecond}/s`, `${figure.at32.failed}`, vsDev, goal];
  });
  return [
    `Temporal on host A (PyFaaS hosts at ${options.cores} core each; goal: server warm p50 ≤ 1.3× dev, same run)`,
    table(['run', 'Temporal', 'warm p50', 'warm p99', '32 clients', 'failed', 'p50 vs dev', 'goal'], rows),
  ].join('\n');
}

function workersReport(options: Options, workers: WorkerFigures[]): string {
  const rows = workers.map((figure) => [
    String(figure.run), `${figure.oneHost.perSecond}/s`, `${figure.twoHosts.perSecond}/s`, `${figure.ratio}×`,
    `${figure.oneHost.p50Ms} / ${figure.twoHosts.p50Ms} ms`, JSON.stringify(figure.twoHostsByNode), JSON.stringify(figure.twoHostsThrottledPct), figure.ratio >= 1.6 ? 'met' : 'MISSED',
  ]);
  return [
    `Worker hosts (a function burning 20 ms of CPU, each worker host at ${options.workerCores} core; goal: 2 hosts ≥ 1.6× 1 host, same run)`,
    table(['run', '1 host', '2 hosts', 'ratio', 'p50 1 / 2 hosts', '2 hosts: last 100 by node', '2 hosts: throttled % of periods', 'goal'], rows),
  ].join('\n');
}

async function inTopology(options: Options, inside: Inside): Promise<void> {
  const temporal: TemporalFigures[] = [];
  if (options.parts.includes('temporal')) {
    for (let run = 1; run <= options.runs; run += 1) for (const mode of options.temporal) temporal.push(await measureTemporal(inside, options, mode, run));
  }
  const workers = options.parts.includes('workers') ? await measureWorkerHosts(inside, options) : [];
  const reports = [temporal.length > 0 ? temporalReport(options, temporal) : '', workers.length > 0 ? workersReport(options, workers) : ''];
  console.log(reports.filter(Boolean).join('\n\n'));
  if (options.json) writeFileSync(options.json, JSON.stringify({ options, temporal, workers }, null, 2));
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const options = parseOptions(argv);
  const inside = insideTopology();
  if (!inside) return runInTopology(clusterHostPlans({ workerHosts: 2, cores: options.workerCores }), __filename, argv);
  await inTopology(options, inside);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    logger.error({ err }, `bench:cluster failed: ${(err as Error).message}`);
    process.exit(1);
  },
);
