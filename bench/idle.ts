/**
 * Idle benchmark: what deployed functions nobody calls cost. One platform (Temporal dev server
 * and Kafka started here; PyFaaS as its own `serve` process, role all, SQLite meta store, as
 * `npm start` runs it), measured first with no function (the baseline), then with N functions
 * deployed and all asleep, then with 10 of them busy:
 *
 *   npm run build && node dist/bench/idle.js [--functions 100,1000] [--seconds 60] [--busy 10] [--rate 2]
 *
 * Each window reports CPU ms/s of the Temporal server and of the PyFaaS process, the Temporal
 * database's growth per minute (bytes in use: pages minus free pages, WAL included; and the
 * files' size), and each process's memory. The busy window's scaling overhead is the same load
 * measured again with the scaler shard terminated (instances keep their targets meanwhile), so
 * the load's own cost cancels. Wake-up: from the first call of a sleeping function to its
 * scaler's first decision, with the shard ended (everything asleep) and with it running.
 * Goals: N = 1,000 idle adds ≤ 20 ms CPU/s and ≤ 100 KB/min over the baseline; 10 busy
 * functions' scaling ≤ 50 ms CPU/s (5 % of a core); wake-up ≤ one tick (SCALER_TICK_MS).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createLogger } from '../common/logger';
import { PACKAGE_ROOT } from '../common/paths';
import { SCALER_TICK_MS, type ScalerStatus } from '../contracts/scaling';
import { generateToken } from '../modules/auth/tokens';
import { scalerShardId } from '../modules/scaling/scalers';
import { processTree } from '../modules/worker/process-tree';
import { freePort } from '../infra/ports';
import { provision } from '../infra/provision';
import { startStack } from '../infra/stack';
import { treesCpuMs } from './cpu';
import { option, pad, percentile, round, runBenchmark } from './stats';

const FUNCTION_COUNTS = listOption('functions', [100, 1000]);
const SECONDS = option('seconds', 60);
const BUSY = option('busy', 10);
/** Sync calls a second to each busy function. */
const RATE = option('rate', 2);
const TASK_QUEUE = 'idle';
const CODE = 'def handler(event, context):\n    return "ok"\n';
const DEPLOY_CONCURRENCY = 4;

interface Window {
  cpuMsPerS: { temporal: number; pyfaas: number };
  dbGrowthKBPerMin: { used: number; files: number };
  rssMB: { temporal: number; pyfaas: number };
}

interface Busy {
  loaded: Window;
  unscaled: Window;
  wakeWhileRunningMs: number[];
  /** Whether a wake-up restarted the shard during the unscaled window (the overhead figure is then too low). */
  shardRestarted: boolean;
  /** What the scaler shard's history grows by while the busy functions are awake. */
  shardHistory: { eventsPerHour: number | null; kBPerHour: number | null; note?: string };
}

function listOption(name: string, fallback: number[]): number[] {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1].split(',').map(Number) : fallback;
}

type SqliteDatabase = { pragma(sql: string, options: { simple: true }): number; close(): void };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Sqlite = require('better-sqlite3') as new (file: string, options: { readonly: boolean; fileMustExist: boolean }) => SqliteDatabase;

/** Bytes the database holds (pages in use, the WAL's included), and the size of its files. */
function databaseBytes(file: string): { used: number; files: number } {
  const db = new Sqlite(file, { readonly: true, fileMustExist: true });
  try {
    const used = (db.pragma('page_count', { simple: true }) - db.pragma('freelist_count', { simple: true })) * db.pragma('page_size', { simple: true });
    const files = [file, `${file}-wal`].filter(existsSync).reduce((sum, f) => sum + statSync(f).size, 0);
    return { used, files };
  } finally {
    db.close();
  }
}

/** Resident memory of a process tree, MB. */
function rssMB(rootPid: number): number {
  let kb = 0;
  for (const pid of processTree(rootPid)) {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // exited while we looked
    }
  }
  return round(kb / 1024);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const logger = createLogger({ level: 'info', name: 'bench', pretty: Boolean(process.stderr.isTTY) });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pyfaas-bench-idle-'));
  const provisioned = await provision(path.join(PACKAGE_ROOT, '.pyfaas'), { postgres: false, bubblewrap: true }, logger);
  const stateDir = path.join(dataDir, 'stack');
  const stack = await startStack(
    { stateDir, host: '127.0.0.1', temporal: { port: await freePort(), namespace: 'default' }, kafka: { port: await freePort(), controllerPort: await freePort() } },
    provisioned,
    logger,
  );
  const temporalDb = path.join(stateDir, 'temporal', 'temporal.sqlite');
  const temporalPid = stack.services[0].pid!;
  const token = generateToken();
  const apiPort = await freePort();
  const pyfaas = spawn(process.execPath, [path.join(PACKAGE_ROOT, 'dist', 'cli', 'pyfaas.js'), 'serve'], {
    env: {
      ...process.env, PYFAAS_DATA_DIR: path.join(dataDir, 'pyfaas'), PYFAAS_TEMPORAL_ADDRESS: stack.temporalAddress!, PYFAAS_TASK_QUEUE: TASK_QUEUE,
      PYFAAS_ADMIN_TOKEN: token, PYFAAS_KAFKA_BROKERS: stack.kafkaBrokers!.join(','), PYFAAS_API_PORT: String(apiPort), PYFAAS_LOG_LEVEL: 'warn',
      PYFAAS_ROLE: 'all', PYFAAS_NODE_ID: 'node-a',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const pyfaasExited = new Promise((resolve) => pyfaas.on('close', resolve));
  const connection = await Connection.connect({ address: stack.temporalAddress! });
  const client = new Client({ connection });
  const api = async (method: string, pathname: string, body?: unknown): Promise<any> => {
    const response = await fetch(`http://127.0.0.1:${apiPort}${pathname}`, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = await response.json().catch(() => undefined);
    if (response.status >= 300) throw new Error(`${method} ${pathname}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  const waitFor = async (check: () => Promise<boolean>, what: string, timeoutMs = 600_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check().catch(() => false))) {
      if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
      await sleep(500);
    }
  };
  const shard = (name: string) => client.workflow.getHandle(scalerShardId(TASK_QUEUE, name));
  const warmInstances = async () => ((await api('GET', '/v1/nodes')).items as Array<{ functions: Array<{ warm: number }> }>).reduce((sum, node) => sum + node.functions.reduce((s, f) => s + f.warm, 0), 0);
  /** Everything asleep: no warm instance anywhere and the scaler shard's run has ended. */
  const allAsleep = async () => (await warmInstances()) === 0 && (await shard('f-0').describe()).status.name !== 'RUNNING';

  const measure = async (label: string): Promise<Window> => {
    logger.info(`measuring ${label} for ${SECONDS} s`);
    const cpu = () => ({ temporal: treesCpuMs([temporalPid]), pyfaas: treesCpuMs([pyfaas.pid!]) });
    const before = { cpu: cpu(), db: databaseBytes(temporalDb), at: Date.now() };
    await sleep(SECONDS * 1000);
    const after = { cpu: cpu(), db: databaseBytes(temporalDb), at: Date.now() };
    const seconds = (after.at - before.at) / 1000;
    return {
      cpuMsPerS: { temporal: round((after.cpu.temporal - before.cpu.temporal) / seconds), pyfaas: round((after.cpu.pyfaas - before.cpu.pyfaas) / seconds) },
      dbGrowthKBPerMin: { used: round(((after.db.used - before.db.used) / 1024) * (60 / seconds)), files: round(((after.db.files - before.db.files) / 1024) * (60 / seconds)) },
      rssMB: { temporal: rssMB(temporalPid), pyfaas: rssMB(pyfaas.pid!) },
    };
  };
  /** From the first call of a sleeping function to its scaler's first decision (the workflow's clock). */
  const wakeUp = async (name: string): Promise<number> => {
    const since = Date.now();
    const call = api('POST', `/v1/functions/${name}/invoke`, {});
    let delay: number | undefined;
    while (delay === undefined) {
      const status = (await shard(name).query<ScalerStatus | null, [string]>('scalerStatus', name).catch(() => null)) ?? undefined;
      const first = status?.awake ? status.decisions.find((d) => Date.parse(d.at) >= since) : undefined;
      if (first) delay = Date.parse(first.at) - since;
      else if (Date.now() - since > 30_000) throw new Error(`${name}: no decision within 30 s of its first call`);
      else await sleep(20);
    }
    await call;
    return delay;
  };

  const rows: Array<{ functions: number; idle: Window; wakeFromEndedShardMs: number }> = [];
  let busy: Busy | undefined;
  let baseline: Window;
  try {
    await waitFor(async () => (await api('GET', '/v1/nodes')).items.length === 1, 'the node');
    await sleep(10_000); // start-up settles
    baseline = await measure('the baseline (no functions)');
    let deployed = 0;
    for (const count of FUNCTION_COUNTS) {
      logger.info(`deploying functions ${deployed}…${count - 1}`);
      const names = Array.from({ length: count - deployed }, (_, i) => `f-${deployed + i}`);
      for (let i = 0; i < names.length; i += DEPLOY_CONCURRENCY) {
        await Promise.all(names.slice(i, i + DEPLOY_CONCURRENCY).map((name) => api('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code: { inline: CODE } })));
      }
      deployed = count;
      logger.info('waiting until every function is asleep');
      await waitFor(allAsleep, 'every function asleep');
      await sleep(30_000); // the server's clean-up after the deployments settles
      const idle = await measure(`${count} functions asleep`);
      const wakeFromEndedShardMs = await wakeUp(`f-${count - 1}`);
      rows.push({ functions: count, idle, wakeFromEndedShardMs });
      logger.info(`wake-up with the shard ended: ${wakeFromEndedShardMs} ms`);
    }

    logger.info(`making ${BUSY} functions busy (${RATE} sync calls/s each)`);
    let stop = false;
    const load = Array.from({ length: BUSY }, async (_, i) => {
      while (!stop) {
        const at = Date.now();
        await api('POST', `/v1/functions/f-${i}/invoke`, {}).catch(() => undefined);
        await sleep(Math.max(0, 1000 / RATE - (Date.now() - at)));
      }
    });
    await sleep(15_000); // scaled up and steady
    const historyBefore = { ...(await shard('f-0').describe()), at: Date.now() };
    const loaded = await measure(`${BUSY} functions busy`);
    const historyAfter = { ...(await shard('f-0').describe()), at: Date.now() };
    const hours = (historyAfter.at - historyBefore.at) / 3_600_000;
    // Across a continue-as-new the two runs' sizes do not subtract: then it says so.
    const shardHistory = historyAfter.runId === historyBefore.runId
      ? { eventsPerHour: Math.round((historyAfter.historyLength - historyBefore.historyLength) / hours), kBPerHour: Math.round(((historyAfter.historySize ?? 0) - (historyBefore.historySize ?? 0)) / 1024 / hours) }
      : { eventsPerHour: null, kBPerHour: null, note: 'the shard continued as new during the window' };
    const wakeWhileRunningMs: number[] = [];
    for (let i = 0; i < 3; i += 1) wakeWhileRunningMs.push(await wakeUp(`f-${BUSY + i}`));
    logger.info('terminating the scaler shard: the same load without scaling');
    await shard('f-0').terminate('bench: the same load measured without the scaler');
    await sleep(5000);
    const unscaled = await measure(`${BUSY} functions busy, no scaler`);
    // A cold start meanwhile would have woken a new shard run: then the comparison is not clean.
    const shardRestarted = (await shard('f-0').describe()).status.name === 'RUNNING';
    stop = true;
    await Promise.all(load);
    busy = { loaded, unscaled, wakeWhileRunningMs, shardRestarted, shardHistory };
  } finally {
    await connection.close();
    pyfaas.kill('SIGTERM');
    await pyfaasExited;
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  report(baseline!, rows, busy!);
}

function report(baseline: Window, rows: Array<{ functions: number; idle: Window; wakeFromEndedShardMs: number }>, busy: Busy): void {
  const cpuOf = (w: Window) => round(w.cpuMsPerS.temporal + w.cpuMsPerS.pyfaas);
  const line = (label: string, w: Window) =>
    console.log(`${pad(label, 30)}${pad(`${w.cpuMsPerS.temporal} + ${w.cpuMsPerS.pyfaas}`, 20)}${pad(`${w.dbGrowthKBPerMin.used} (${w.dbGrowthKBPerMin.files})`, 22)}${pad(`${w.rssMB.temporal} / ${w.rssMB.pyfaas}`, 18)}`);
  console.log(`\n${pad('window', 30)}${pad('CPU ms/s Temporal+PyFaaS', 20)}${pad('DB KB/min used (files)', 22)}${pad('RSS MB T / P', 18)}`);
  line('baseline: no functions', baseline);
  for (const row of rows) line(`${row.functions} functions asleep`, row.idle);
  line(`${BUSY} busy (${RATE}/s each)`, busy.loaded);
  line(`${BUSY} busy, scaler terminated`, busy.unscaled);
  const idle = rows.map((row) => ({
    functions: row.functions,
    addedCpuMsPerS: round(cpuOf(row.idle) - cpuOf(baseline)),
    addedDbKBPerMin: round(row.idle.dbGrowthKBPerMin.used - baseline.dbGrowthKBPerMin.used),
    wakeFromEndedShardMs: row.wakeFromEndedShardMs,
  }));
  const scalingOverheadCpuMsPerS = round(cpuOf(busy.loaded) - cpuOf(busy.unscaled));
  const wakes = [...rows.map((row) => row.wakeFromEndedShardMs), ...busy.wakeWhileRunningMs];
  console.log('\nfigure                                   value       goal');
  for (const row of idle) {
    console.log(`${pad(`${row.functions} asleep: CPU over baseline (ms/s)`, 41)}${pad(row.addedCpuMsPerS)}≤ 20 at 1,000`);
    console.log(`${pad(`${row.functions} asleep: DB over baseline (KB/min)`, 41)}${pad(row.addedDbKBPerMin)}≤ 100 at 1,000`);
  }
  console.log(`${pad(`${BUSY} busy: scaling overhead (ms/s)`, 41)}${pad(scalingOverheadCpuMsPerS)}≤ 50 (5 % of a core)${busy.shardRestarted ? '; NOT CLEAN: the shard restarted' : ''}`);
  console.log(`${pad(`${BUSY} busy: scaler history (KB/h, events/h)`, 41)}${pad(`${busy.shardHistory.kBPerHour}, ${busy.shardHistory.eventsPerHour}`)}reported`);
  console.log(`${pad('wake-up, shard ended / running (ms)', 41)}${pad(`${rows.map((r) => r.wakeFromEndedShardMs).join(',')} / ${busy.wakeWhileRunningMs.join(',')}`)}≤ ${SCALER_TICK_MS} (one tick)`);
  const figures = { baseline, rows, busy, idle, scalingOverheadCpuMsPerS, wakeUpMs: { max: Math.max(...wakes), p50: percentile(wakes, 50), tickMs: SCALER_TICK_MS } };
  console.log(`\n${JSON.stringify({ benchmark: 'idle', seconds: SECONDS, busy: BUSY, rate: RATE, figures }, null, 2)}`);
}

runBenchmark(main);
