/**
 * Burst benchmark: 0 → N concurrent sync invocations of a 50 ms Python function on two worker
 * nodes (this process, role all, plus a `worker` process), scaled by the default KPA scaler
 * from zero; then the same burst with minInstances pre-set to the count the first burst ended
 * with (the ideal: every instance warm before the first request). Same run, same nodes.
 *
 *   npm run build && node dist/bench/burst.js [--clients 200] [--seconds 20]
 *
 * Reports for each burst: p50/p99 latency over the burst, cold starts taken, and the time until
 * one-second p50 first comes within 20 % of the burst's final steady p50. Goal: p99 of the
 * scaled burst ≤ 3× p99 of the pre-warmed one.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createLogger, silentLogger } from '../common/logger';
import { PACKAGE_ROOT } from '../common/paths';
import { loadConfig } from '../infra/config';
import { generateToken } from '../modules/auth/tokens';
import { freePort } from '../infra/ports';
import { provision } from '../infra/provision';
import { startStack } from '../infra/stack';
import { startPyFaaS } from '../process/serve';
import { option, pad, percentile, round, runBenchmark } from './stats';

const CLIENTS = option('clients', 200);
const SECONDS = option('seconds', 20);
const FUNCTION = 'burst';
const CODE = 'import time\n\ndef handler(event, context):\n    time.sleep(0.05)\n    return "ok"\n';

interface Call {
  at: number;
  ms: number;
  coldStart: boolean;
  ok: boolean;
}

interface BurstFigures {
  p50: number;
  p99: number;
  calls: number;
  failed: number;
  coldStarts: number;
  /** From the burst's start until a one-second p50 is within 20 % of the last five seconds' p50. */
  msToSteadyP50: number;
  finalInstances: number;
}

async function main(): Promise<void> {
  const logger = createLogger({ level: 'info', name: 'bench', pretty: Boolean(process.stderr.isTTY) });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pyfaas-bench-burst-'));
  chmodSync(dataDir, 0o755); // PostgreSQL runs as the postgres user and must reach its directory

  const provisioned = await provision(path.join(PACKAGE_ROOT, '.pyfaas'), { postgres: true, bubblewrap: true }, logger);
  const stack = await startStack(
    {
      stateDir: path.join(dataDir, 'stack'), host: '127.0.0.1', temporal: { port: await freePort(), namespace: 'default' },
      kafka: { port: await freePort(), controllerPort: await freePort() }, postgres: { port: await freePort(), database: 'pyfaas' },
    },
    provisioned,
    logger,
  );
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  const env: Record<string, string> = {
    PYFAAS_DATA_DIR: dataDir, PYFAAS_TEMPORAL_ADDRESS: stack.temporalAddress!, PYFAAS_TASK_QUEUE: 'burst', PYFAAS_ADMIN_TOKEN: generateToken(),
    PYFAAS_KAFKA_BROKERS: stack.kafkaBrokers!.join(','), PYFAAS_DATABASE_URL: stack.postgresUrl!, PYFAAS_LOG_LEVEL: 'warn',
  };
  const pyfaas = await startPyFaaS(loadConfig({ ...env, PYFAAS_API_PORT: String(await freePort()), PYFAAS_NODE_ID: 'node-a' }), silentLogger());
  const nodeB = spawn(process.execPath, [path.join(PACKAGE_ROOT, 'dist', 'cli', 'pyfaas.js'), 'serve'], {
    env: { ...process.env, ...env, PYFAAS_ROLE: 'worker', PYFAAS_NODE_ID: 'node-b' }, stdio: ['ignore', 'ignore', 'inherit'],
  });
  const nodeBExited = new Promise((resolve) => nodeB.on('close', resolve));
  const api = async (method: string, pathname: string, body?: unknown): Promise<any> => {
    const response = await fetch(`${pyfaas.apiUrl}${pathname}`, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${env.PYFAAS_ADMIN_TOKEN}` }, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = await response.json().catch(() => undefined);
    if (response.status >= 300) throw new Error(`${method} ${pathname}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  const warm = async () => {
    const nodes = (await api('GET', '/v1/nodes')).items as Array<{ functions: Array<{ functionName: string; warm: number }> }>;
    return nodes.reduce((sum, node) => sum + node.functions.filter((f) => f.functionName === FUNCTION).reduce((s, f) => s + f.warm, 0), 0);
  };
  const waitFor = async (check: () => Promise<boolean>, what: string, timeoutMs = 120_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  try {
    await waitFor(async () => (await api('GET', '/v1/nodes')).items.length === 2, 'two nodes');
    const kpa = { targetConcurrency: 1, maxInstances: CLIENTS, scaleToZeroAfterMs: 5000 };
    await api('POST', '/v1/functions', { name: FUNCTION, runtime: 'python3', handler: 'main.handler', code: { inline: CODE }, maxConcurrency: CLIENTS, scaling: { module: 'kpa', params: kpa } });
    logger.info('waiting for the function to scale to zero');
    await waitFor(async () => (await warm()) === 0, 'scale to zero');

    logger.info(`burst 1: ${CLIENTS} clients for ${SECONDS} s, scaled from zero`);
    const scaled = await burst(api, warm);
    logger.info(`pre-warming ${scaled.finalInstances} instances (minInstances), then burst 2`);
    await api('PATCH', `/v1/functions/${FUNCTION}`, { scaling: { module: 'kpa', params: { ...kpa, minInstances: scaled.finalInstances } } });
    await waitFor(async () => (await warm()) >= scaled.finalInstances, 'pre-warmed instances', 180_000);
    const ideal = await burst(api, warm);

    const figures = {
      p99: { scaled: scaled.p99, prewarmed: ideal.p99, ratio: round(scaled.p99 / ideal.p99), goal: 'scaled p99 ≤ 3× pre-warmed p99' },
      p50: { scaled: scaled.p50, prewarmed: ideal.p50, ratio: round(scaled.p50 / ideal.p50) },
      msToSteadyP50: { scaled: scaled.msToSteadyP50, prewarmed: ideal.msToSteadyP50 },
      coldStarts: { scaled: scaled.coldStarts, prewarmed: ideal.coldStarts },
      calls: { scaled: scaled.calls, prewarmed: ideal.calls, failed: scaled.failed + ideal.failed },
      finalInstances: { scaled: scaled.finalInstances, prewarmed: ideal.finalInstances },
    };
    console.log('\nfigure                       scaled      pre-warmed  ratio   goal');
    console.log(`p99 during the burst (ms)    ${pad(figures.p99.scaled)}${pad(figures.p99.prewarmed)}${pad(figures.p99.ratio, 8)}${figures.p99.goal}`);
    console.log(`p50 during the burst (ms)    ${pad(figures.p50.scaled)}${pad(figures.p50.prewarmed)}${pad(figures.p50.ratio, 8)}reported`);
    console.log(`time to steady p50 (ms)      ${pad(figures.msToSteadyP50.scaled)}${pad(figures.msToSteadyP50.prewarmed)}${pad('-', 8)}reported`);
    console.log(`cold starts                  ${pad(figures.coldStarts.scaled)}${pad(figures.coldStarts.prewarmed)}${pad('-', 8)}reported`);
    console.log(`calls (failed)               ${pad(figures.calls.scaled)}${pad(figures.calls.prewarmed)}${pad(figures.calls.failed, 8)}`);
    console.log(`\n${JSON.stringify({ benchmark: 'burst', clients: CLIENTS, seconds: SECONDS, nodes: 2, figures }, null, 2)}`);
  } finally {
    nodeB.kill('SIGTERM');
    await nodeBExited;
    await pyfaas.close();
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** CLIENTS loops, each calling the function synchronously until SECONDS have passed. */
async function burst(api: (method: string, pathname: string, body?: unknown) => Promise<any>, warm: () => Promise<number>): Promise<BurstFigures> {
  const calls: Call[] = [];
  const begin = Date.now();
  const end = begin + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (Date.now() < end) {
        const at = Date.now();
        try {
          const view = await api('POST', `/v1/functions/${FUNCTION}/invoke`, {});
          calls.push({ at: at - begin, ms: Date.now() - at, coldStart: Boolean(view.coldStart), ok: view.status === 'succeeded' });
        } catch {
          calls.push({ at: at - begin, ms: Date.now() - at, coldStart: false, ok: false });
        }
      }
    }),
  );
  const latencies = calls.map((c) => c.ms);
  const last5 = calls.filter((c) => c.at >= (SECONDS - 5) * 1000).map((c) => c.ms);
  const steady = percentile(last5, 50);
  let msToSteadyP50 = SECONDS * 1000;
  for (let second = 0; second < SECONDS; second += 1) {
    const inSecond = calls.filter((c) => c.at >= second * 1000 && c.at < (second + 1) * 1000).map((c) => c.ms);
    if (inSecond.length > 0 && percentile(inSecond, 50) <= steady * 1.2) {
      msToSteadyP50 = second * 1000;
      break;
    }
  }
  return {
    p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)), calls: calls.length, failed: calls.filter((c) => !c.ok).length,
    coldStarts: calls.filter((c) => c.coldStart).length, msToSteadyP50, finalInstances: await warm(),
  };
}

runBenchmark(main);
