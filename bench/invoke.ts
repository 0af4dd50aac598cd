/**
 * End-to-end invocation benchmark: PyFaaS beside a bare Temporal workflow running one no-op
 * activity (`pingWorker`), same server, same worker process, same connection, same run.
 *
 *   npm run bench            (= npm run build && node dist/bench/invoke.js)
 *   node dist/bench/invoke.js [--metrics-only] [--requests 300] [--seconds 30] [--window 32] [--colds 8] [--probes 2000] [--load-seconds 15]
 *
 * The floor: the same warm sandboxed instance behind a bare HTTP server (bench/floor.ts).
 * Sync throughput at 32 and 200 concurrent clients, PyFaaS and the bare workflow each driven
 * by a load process of its own (bench/load-client.ts), with the CPU each process used per
 * invocation read from /proc: this process (the PyFaaS API and worker, or the bare
 * workflow's worker), the Temporal server, the sandboxes. The Temporal floor: a workflow that
 * returns in its first task (bench/empty-workflow.ts), started eagerly, at 32 clients: what
 * the server spends on any invocation that is a workflow.
 *
 * Auth: warm invokes with a token beside the same route table served without auth checks
 * (bench/without-auth.ts), interleaved one by one so both see the same machine; and the
 * cheapest guarded route (GET /v1/whoami) both ways, where the check is most of the work.
 *
 * Metrics: warm invokes with metrics recorded beside the same invokes with recording off
 * (ProcessMetrics.recording: the FaaS recorder and the HTTP middleware skip), interleaved one
 * by one. `--metrics-only` measures that (and the warm p50) alone, for a quick look.
 *
 * Prints a table and a JSON document with each figure beside its baseline and the goal.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { createLogger } from '../common/logger';
import { startBenchPlatform } from './bench-platform';
import { python3Path } from '../modules/runtime/interpreters';
import { PYTHON_SHIM_DIR } from '../modules/runtime/python/launch';
import { option, pad, percentile, round, runBenchmark, spawnTime, throughput, timeSequential } from './stats';
import { serveWithoutAuth } from './without-auth';
import { bareLoad, emptyWorkflowLoad, invokeLoad, measureLoad } from './load';
import { serveFloor } from './floor';
import { sandboxedSpawnTime } from './sandboxed-spawn';

const REQUESTS = option('requests', 300);
const SECONDS = option('seconds', 30);
const WINDOW = option('window', 32);
const COLDS = option('colds', 8);
const PROBES = option('probes', 2000);
const LOAD_SECONDS = option('load-seconds', 15);
const CONCURRENCY = [32, 200];
const IDLE_MS = 1500;
const METRICS_ONLY = process.argv.includes('--metrics-only');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const logger = createLogger({ level: 'info', name: 'bench', pretty: Boolean(process.stderr.isTTY) });
  const platform = await startBenchPlatform(logger, { PYFAAS_POOL_IDLE_TIMEOUT_MS: String(IDLE_MS) });
  const { pyfaas, config, api, post } = platform;
  try {
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${platform.token}` };

    const client = pyfaas.client;
    const bare = () => client.workflow.execute('pingWorker', { taskQueue: 'bench', workflowId: `bare-${randomUUID()}`, args: ['x'], requestEagerStart: true });
    const invoke = () => post('/v1/functions/identity/invoke', { hello: 'world' });

    logger.info(`metrics: ${REQUESTS} warm invokes with metrics recorded interleaved with as many with recording off`);
    const metrics = pyfaas.metrics;
    if (!metrics.enabled) throw new Error('the metrics benchmark needs metrics on (unset PYFAAS_METRICS)');
    const [meteredInvokes, unmeteredInvokes] = await interleaved(
      () => ((metrics.recording = true), invoke()),
      () => ((metrics.recording = false), invoke()),
      REQUESTS,
    );
    metrics.recording = true;
    const metricsInvokeP50 = { ...added(meteredInvokes, unmeteredInvokes), goal: '≤ 0.3 ms added at p50' };
    if (METRICS_ONLY) {
      console.log(`\nwarm invoke p50 (ms)       metrics on ${metricsInvokeP50.pyfaas}   off ${metricsInvokeP50.baseline}   added ${metricsInvokeP50.addedMs}   goal ${metricsInvokeP50.goal}`);
      console.log(`\n${JSON.stringify({ benchmark: 'invoke', requests: REQUESTS, figures: { metricsInvokeP50 } }, null, 2)}`);
      return;
    }

    logger.info(`warm latency: ${REQUESTS} sequential calls each`);
    const bareTimes = await timeSequential(bare, REQUESTS, 30);
    const warmTimes = await timeSequential(invoke, REQUESTS, 30);

    logger.info(`floor: ${REQUESTS} sequential calls straight to the same warm instance over HTTP (no Temporal)`);
    const floor = await serveFloor(pyfaas.pool!, await pyfaas.platform.specs.get('identity', 1));
    const floorTimes = await timeSequential(() => post('/', { hello: 'world' }, floor.url), REQUESTS, 30);
    await floor.close();

    const concurrency = [];
    for (const clients of CONCURRENCY) {
      logger.info(`sync under load: ${clients} concurrent clients for ${LOAD_SECONDS} s, the bare workflow, then PyFaaS`);
      const bare = await measureLoad(platform, bareLoad(platform, clients, LOAD_SECONDS));
      const pyfaasLoad = await measureLoad(platform, invokeLoad(platform, clients, LOAD_SECONDS));
      concurrency.push({ clients, bare, pyfaas: pyfaasLoad });
    }
    logger.info(`the Temporal floor: ${CONCURRENCY[0]} clients for ${LOAD_SECONDS} s on a workflow that returns at once (eager start, one workflow task)`);
    const empty = await measureLoad(platform, emptyWorkflowLoad(platform, CONCURRENCY[0], LOAD_SECONDS));

    logger.info(`auth: ${REQUESTS} warm invokes with a token interleaved with as many without auth checks, then ${PROBES} GET /v1/whoami each way`);
    const open = await serveWithoutAuth(pyfaas.routes!, config.api.bodyLimitBytes);
    const [tokenInvokes, openInvokes] = await interleaved(invoke, () => post('/v1/functions/identity/invoke', { hello: 'world' }, open.url), REQUESTS);
    const whoami = (base: string) => async () => {
      const response = await fetch(`${base}/v1/whoami`, { headers });
      if (response.status !== 200) throw new Error(`whoami: ${response.status}`);
      await response.arrayBuffer();
    };
    const [tokenProbes, openProbes] = await interleaved(whoami(api), whoami(open.url), PROBES);
    await open.close();

    logger.info(`cold starts: ${COLDS}, each after the scaler stopped the idle instance (policy fixed at 0)`);
    const patch = (scaling: unknown) => fetch(`${api}/v1/functions/identity`, { method: 'PATCH', headers, body: JSON.stringify({ scaling }) });
    const warmCount = () => pyfaas.pool!.stats().instances.filter((i) => i.functionName === 'identity').length;
    await patch({ module: 'fixed', params: { instances: 0 } });
    const colds: number[] = [];
    for (let i = 0; i < COLDS; i += 1) {
      while (warmCount() > 0) await sleep(100);
      const started = performance.now();
      const result = await invoke();
      if (!result.coldStart) throw new Error('expected a cold start: the idle instance was not stopped');
      colds.push(performance.now() - started);
    }
    await patch({ module: 'kpa', params: {} });
    const launch = { command: python3Path(), args: ['-c', 'pass'], env: {} };
    const sandboxedPython = sandboxedSpawnTime({ functionName: 'bench', version: 1, codeDir: PYTHON_SHIM_DIR, env: {}, memoryMb: 128, allowNetwork: false, shimDir: PYTHON_SHIM_DIR, launch }, 15);

    logger.info(`async throughput: ${SECONDS} s each, ${WINDOW} in flight`);
    const bareRate = await throughput(async () => (await client.workflow.start('pingWorker', { taskQueue: 'bench', workflowId: `bare-${randomUUID()}`, args: ['x'], requestEagerStart: true })).result(), WINDOW, SECONDS);
    const asyncRate = await throughput(async () => {
      const { invocationId } = await post('/v1/functions/identity/invoke?async=true', { hello: 'world' });
      await client.workflow.getHandle(invocationId).result();
    }, WINDOW, SECONDS);

    const instances = pyfaas.pool!.stats().instances.filter((i) => i.functionName === 'identity' && !i.busy && i.rssBytes);
    const meanRss = instances.reduce((sum, i) => sum + (i.rssBytes ?? 0), 0) / Math.max(1, instances.length);

    const barePython = spawnTime(python3Path(), ['-c', 'pass'], 15);
    const bareP50 = percentile(bareTimes, 50);
    const figures = {
      warmP50: { pyfaas: round(percentile(warmTimes, 50)), baseline: round(bareP50), ratio: round(percentile(warmTimes, 50) / bareP50), goal: '≤ 20 ms and ≤ 1.0× bare workflow' },
      floor: { p50: round(percentile(floorTimes, 50)), p99: round(percentile(floorTimes, 99)), goal: 'what the platform adds: warm p50 − floor p50' },
      concurrency: concurrency.map(({ clients, bare, pyfaas: platform }) => ({
        clients, pyfaas: platform, baseline: bare, ratio: round(platform.perSecond / bare.perSecond),
        goal: clients === 32 ? '≥ 100/s and ≥ 1.5× bare; CPU ≤ 6 ms (PyFaaS) and ≤ 12 ms (Temporal) per call' : '-',
      })),
      temporalFloor: { clients: CONCURRENCY[0], perSecond: empty.perSecond, p50Ms: empty.p50Ms, temporalCpuMsPerCall: empty.cpuMsPerCall.temporal, goal: 'what one workflow per invocation costs the server at least' },
      warmP99: { pyfaas: round(percentile(warmTimes, 99)), baseline: round(percentile(bareTimes, 99)), ratioToOwnP50: round(percentile(warmTimes, 99) / percentile(warmTimes, 50)), goal: 'p99 ≤ 2× p50' },
      coldStart: { pyfaas: round(percentile(colds, 50)), baseline: round(sandboxedPython + bareP50), ratio: round(percentile(colds, 50) / (sandboxedPython + bareP50)), goal: '≤ 1.2× (sandboxed python -c pass + bare workflow)', sandboxedPython: round(sandboxedPython), barePython: round(barePython) },
      asyncThroughput: { pyfaas: round(asyncRate), baseline: round(bareRate), ratio: round(asyncRate / bareRate), goal: '≥ 0.8× bare workflow', unit: 'completed/s' },
      idleInstanceRss: { pyfaas: round(meanRss / 2 ** 20), instances: instances.length, goal: '≤ 15 MB per idle Python instance', unit: 'MiB (whole sandbox tree)' },
      authInvokeP50: added(tokenInvokes, openInvokes),
      authCheckP50: added(tokenProbes, openProbes),
      metricsInvokeP50,
    };
    console.log('\nfigure                     PyFaaS      baseline    ratio   goal');
    console.log(`warm sync p50 (ms)         ${pad(figures.warmP50.pyfaas)}${pad(figures.warmP50.baseline)}${pad(figures.warmP50.ratio, 8)}${figures.warmP50.goal}`);
    console.log(`warm sync p99 (ms)         ${pad(figures.warmP99.pyfaas)}${pad(figures.warmP99.baseline)}${pad(figures.warmP99.ratioToOwnP50, 8)}${figures.warmP99.goal}`);
    console.log(`floor p50 / p99 (ms)       ${pad(`${figures.floor.p50} / ${figures.floor.p99}`)}${pad('-')}${pad('-', 8)}${figures.floor.goal}`);
    for (const row of figures.concurrency) {
      const { pyfaas: p, baseline: b } = row;
      console.log(`sync @${String(row.clients).padEnd(3)} calls/s          ${pad(p.perSecond)}${pad(b.perSecond)}${pad(row.ratio, 8)}${row.goal}`);
      console.log(`sync @${String(row.clients).padEnd(3)} p50 (ms)         ${pad(p.p50Ms)}${pad(b.p50Ms)}${pad('-', 8)}-`);
      const local = p.paths?.local ?? 0;
      console.log(`sync @${String(row.clients).padEnd(3)} fast path        ${pad(`${round((100 * local) / Math.max(1, p.completed))} %`)}${pad('-')}${pad('-', 8)}share of calls run inside their first workflow task`);
      console.log(`sync @${String(row.clients).padEnd(3)} p99 (ms)         ${pad(p.p99Ms)}${pad(b.p99Ms)}${pad(round(p.p99Ms / p.p50Ms), 8)}p99 ≤ 2× p50 (ratio: PyFaaS p99 / p50)`);
      const cpu = ({ cpuMsPerCall: c }: typeof p) => `${c.process.toFixed(1)} + ${c.temporal.toFixed(1)}`;
      console.log(`sync @${String(row.clients).padEnd(3)} CPU ms/call      ${pad(cpu(p))}${pad(cpu(b))}${pad('-', 8)}this process + Temporal server (sandboxes: ${p.cpuMsPerCall.sandboxes})`);
    }
    const { temporalFloor: t } = figures;
    console.log(`empty workflow @${String(t.clients).padEnd(3)}calls/s  ${pad(t.perSecond)}${pad('-')}${pad('-', 8)}${t.goal}: p50 ${t.p50Ms} ms, Temporal CPU ${t.temporalCpuMsPerCall} ms/call`);
    console.log(`cold start (ms)            ${pad(figures.coldStart.pyfaas)}${pad(figures.coldStart.baseline)}${pad(figures.coldStart.ratio, 8)}${figures.coldStart.goal}`);
    console.log(`async throughput (/s)      ${pad(figures.asyncThroughput.pyfaas)}${pad(figures.asyncThroughput.baseline)}${pad(figures.asyncThroughput.ratio, 8)}${figures.asyncThroughput.goal}`);
    console.log(`idle Python instance (MiB) ${pad(figures.idleInstanceRss.pyfaas)}${pad(round(0))}${pad('-', 8)}${figures.idleInstanceRss.goal}`);
    console.log(`invoke with token p50 (ms) ${pad(figures.authInvokeP50.pyfaas)}${pad(figures.authInvokeP50.baseline)}${pad(`+${figures.authInvokeP50.addedMs}`, 8)}${figures.authInvokeP50.goal} (baseline: no auth checks)`);
    console.log(`GET /v1/whoami p50 (ms)    ${pad(figures.authCheckP50.pyfaas)}${pad(figures.authCheckP50.baseline)}${pad(`+${figures.authCheckP50.addedMs}`, 8)}${figures.authCheckP50.goal} (baseline: no auth checks)`);
    console.log(`warm invoke, metrics (ms)  ${pad(figures.metricsInvokeP50.pyfaas)}${pad(figures.metricsInvokeP50.baseline)}${pad(`+${figures.metricsInvokeP50.addedMs}`, 8)}${figures.metricsInvokeP50.goal} (baseline: recording off)`);
    console.log(`\n${JSON.stringify({ benchmark: 'invoke', requests: REQUESTS, seconds: SECONDS, window: WINDOW, figures }, null, 2)}`);
  } finally {
    await platform.close();
  }
}

/**
 * Runs `a` and `b` alternately, `runs` times each after a few untimed ones, swapping which
 * goes first every round (a call's latency depends on where it lands between the server's
 * transfer-queue polls, and the one that follows another lands at a different phase); their
 * times in ms.
 */
async function interleaved(a: () => Promise<unknown>, b: () => Promise<unknown>, runs: number): Promise<[number[], number[]]> {
  const times: [number[], number[]] = [[], []];
  for (let i = 0; i < runs + 20; i += 1) {
    const order: Array<[number, () => Promise<unknown>]> = i % 2 === 0 ? [[0, a], [1, b]] : [[1, b], [0, a]];
    for (const [k, call] of order) {
      const started = performance.now();
      await call();
      if (i >= 20) times[k].push(performance.now() - started);
    }
  }
  return times;
}

function added(withAuth: number[], without: number[]) {
  const p50 = percentile(withAuth, 50);
  const base = percentile(without, 50);
  return { pyfaas: round(p50), baseline: round(base), addedMs: round(p50 - base), goal: '≤ 0.5 ms added at p50' };
}

runBenchmark(main);
