/**
 * Execution-layer benchmark: cold start, idle memory and warm round trip of sandboxed
 * Python and Node instances, each beside a baseline measured in the same run (the bare
 * interpreter, and the interpreter under the same bubblewrap sandbox without the shim).
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/pool.js [--invokes 200] [--starts 10]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { silentLogger } from '../common/logger';
import { nodePath, python3Path } from '../modules/runtime/interpreters';
import { NODE_SHIM_DIR, nodeLaunch, parseNodeHandler } from '../modules/runtime/node/launch';
import { parsePythonHandler, PYTHON_SHIM_DIR, pythonLaunch } from '../modules/runtime/python/launch';
import type { FunctionVersionSpec } from '../modules/worker/contract';
import { Instance, type ExecutableRuntime } from '../modules/worker/instance';
import { limitMode } from '../modules/worker/limits';
import { sandboxedSpawnTime } from './sandboxed-spawn';
import { option, percentile, round, spawnTime } from './stats';

interface Runtime {
  name: string;
  module: ExecutableRuntime;
  file: string;
  code: string;
  handler: string;
  interpreter: string;
  emptyProgram: string[];
}

const RUNTIMES: Runtime[] = [
  {
    name: 'python',
    module: { id: 'python3', shimDir: PYTHON_SHIM_DIR, parseHandler: parsePythonHandler, launch: pythonLaunch },
    file: 'main.py',
    code: 'def handler(event, context):\n    return event\n',
    handler: 'main.handler',
    interpreter: python3Path(),
    emptyProgram: ['-c', 'pass'],
  },
  {
    name: 'node',
    module: { id: 'node20', shimDir: NODE_SHIM_DIR, parseHandler: parseNodeHandler, launch: nodeLaunch },
    file: 'index.js',
    code: 'exports.handler = async (event) => event;\n',
    handler: 'index.handler',
    interpreter: nodePath(),
    emptyProgram: ['-e', '0'],
  },
];





async function measure(runtime: Runtime, codeDir: string, starts: number, invokes: number) {
  const spec: FunctionVersionSpec = {
    functionName: `bench-${runtime.name}`,
    version: 1,
    codeDir,
    runtime: runtime.module.id,
    handler: runtime.handler,
    env: {},
    memoryMb: 128,
    timeoutMs: 10_000,
    maxConcurrency: 1,
    allowNetwork: false,
  };
  const bare = spawnTime(runtime.interpreter, runtime.emptyProgram, starts);
  const launch = { command: runtime.interpreter, args: runtime.emptyProgram, env: {} };
  const sandboxed = sandboxedSpawnTime({ ...spec, shimDir: runtime.module.shimDir, launch }, starts);

  const startTimes: number[] = [];
  let instance: Instance | undefined;
  for (let i = 0; i < starts; i += 1) {
    await instance?.kill();
    instance = new Instance({ id: `bench-${runtime.name}-${process.pid}-${i}`, spec, runtime: runtime.module, logger: silentLogger() });
    const started = performance.now();
    await instance.start();
    startTimes.push(performance.now() - started);
  }
  const warm = instance!;
  await warm.invoke({ invocationId: 'first', event: { n: 0 }, attempt: 1 }, spec.timeoutMs);
  await new Promise((resolve) => setTimeout(resolve, 200)); // let the interpreter settle after its first call
  const idleInterpreterMb = (warm.interpreterRssBytes() ?? 0) / 2 ** 20;
  const idleTreeMb = (warm.rssBytes() ?? 0) / 2 ** 20;

  const roundTrips: number[] = [];
  for (let i = 0; i < invokes; i += 1) {
    const started = performance.now();
    const outcome = await warm.invoke({ invocationId: `i${i}`, event: { n: i, text: 'hello' }, attempt: 1 }, spec.timeoutMs);
    roundTrips.push(performance.now() - started);
    if (outcome.status !== 'succeeded') throw new Error(`invoke ${i} of ${runtime.name} ended ${outcome.status}: ${outcome.error?.message}`);
  }
  await warm.kill();
  return {
    runtime: runtime.name,
    baselineBareSpawnMs: round(bare),
    baselineSandboxSpawnMs: round(sandboxed),
    coldStartP50Ms: round(percentile(startTimes, 50)),
    coldStartMaxMs: round(Math.max(...startTimes)),
    idleInterpreterRssMb: round(idleInterpreterMb),
    idleSandboxTreeRssMb: round(idleTreeMb),
    warmInvokeP50Ms: round(percentile(roundTrips, 50)),
    warmInvokeP99Ms: round(percentile(roundTrips, 99)),
  };
}

async function main(): Promise<void> {
  const starts = option('starts', 10);
  const invokes = option('invokes', 200);
  const results = [];
  for (const runtime of RUNTIMES) {
    const codeDir = mkdtempSync(path.join(tmpdir(), `pyfaas-bench-${runtime.name}-`));
    try {
      writeFileSync(path.join(codeDir, runtime.file), runtime.code);
      results.push(await measure(runtime, codeDir, starts, invokes));
    } finally {
      rmSync(codeDir, { recursive: true, force: true });
    }
  }
  const rows = [
    ['figure', ...results.map((r) => r.runtime)],
    ['baseline: bare interpreter, empty program (ms, p50)', ...results.map((r) => r.baselineBareSpawnMs)],
    ['baseline: same under bwrap sandbox (ms, p50)', ...results.map((r) => r.baselineSandboxSpawnMs)],
    ['cold start: spawn to handler ready (ms, p50)', ...results.map((r) => r.coldStartP50Ms)],
    ['cold start: slowest (ms)', ...results.map((r) => r.coldStartMaxMs)],
    ['idle RSS: interpreter (MiB)', ...results.map((r) => r.idleInterpreterRssMb)],
    ['idle RSS: whole sandbox incl. bwrap (MiB)', ...results.map((r) => r.idleSandboxTreeRssMb)],
    [`warm invoke round trip (ms, p50 of ${invokes})`, ...results.map((r) => r.warmInvokeP50Ms)],
    [`warm invoke round trip (ms, p99 of ${invokes})`, ...results.map((r) => r.warmInvokeP99Ms)],
  ].map((row) => row.map(String));
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  for (const row of rows) console.log(row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  '));
  console.log(JSON.stringify({ limits: limitMode(), starts, invokes, results }, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
