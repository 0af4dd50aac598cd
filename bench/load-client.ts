/**
 * The load generator of `npm run bench`'s concurrency figures, as a process of its own so
 * its CPU is not counted as the platform's: `clients` callers each calling in a loop for
 * `seconds`, then one JSON line with the calls completed and their latencies.
 *
 *   node dist/bench/load-client.js '{"mode":"http","url":…,"token":…,"clients":32,"seconds":10}'
 *   node dist/bench/load-client.js '{"mode":"workflow","temporalAddress":…,"taskQueue":…,"clients":32,"seconds":10}'
 *   node dist/bench/load-client.js '{"mode":"empty-workflow","temporalAddress":…,"clients":32,"seconds":10}'
 *
 * `workflow` runs the bare workflow (one no-op activity) on PyFaaS's worker; `empty-workflow`
 * runs bench/empty-workflow.ts on a worker inside this process, started eagerly: the floor
 * of any design that makes each invocation a workflow.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { LoadSpec } from './load';
import { percentile, round } from './stats';

export interface LoadResult {
  completed: number;
  failed: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** PyFaaS calls by the path their attempt took (`local`: the fast path; `placed`). */
  paths?: Record<string, number>;
}

type Caller = { call: () => Promise<string | undefined>; close: () => Promise<void> };

async function callerFor(spec: LoadSpec): Promise<Caller> {
  if (spec.mode === 'http') {
    const init = { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${spec.token}` }, body: JSON.stringify({ hello: 'world' }) };
    return {
      call: async () => {
        const response = await fetch(spec.url, init);
        const body = (await response.json()) as { status?: string; path?: string };
        if (response.status !== 200 || body.status !== 'succeeded') throw new Error(`HTTP ${response.status} ${JSON.stringify(body)}`);
        return body.path;
      },
      close: async () => undefined,
    };
  }
  if (spec.mode === 'empty-workflow') return emptyWorkflowCaller(spec.temporalAddress);
  const connection = await Connection.connect({ address: spec.temporalAddress });
  const client = new Client({ connection });
  return {
    call: async () => {
      await client.workflow.execute('pingWorker', { taskQueue: spec.taskQueue, workflowId: `bare-${randomUUID()}`, args: ['x'] });
      return undefined;
    },
    close: () => connection.close(),
  };
}

async function emptyWorkflowCaller(address: string): Promise<Caller> {
  const connection = await NativeConnection.connect({ address });
  const taskQueue = `bench-empty-${randomUUID()}`;
  const worker = await Worker.create({ connection, taskQueue, workflowsPath: require.resolve('./empty-workflow'), maxConcurrentWorkflowTaskExecutions: 64 });
  const running = worker.run();
  const client = new Client({ connection });
  return {
    call: async () => {
      await client.workflow.execute('emptyWorkflow', { taskQueue, workflowId: `empty-${randomUUID()}`, args: ['x'], requestEagerStart: true });
      return undefined;
    },
    close: async () => {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2]) as LoadSpec;
  const { call, close } = await callerFor(spec);
  const latencies: number[] = [];
  const paths: Record<string, number> = {};
  let failed = 0;
  const deadline = performance.now() + spec.seconds * 1000;
  const started = performance.now();
  await Promise.all(Array.from({ length: spec.clients }, async () => {
    while (performance.now() < deadline) {
      const at = performance.now();
      try {
        const path = await call();
        latencies.push(performance.now() - at);
        if (path) paths[path] = (paths[path] ?? 0) + 1;
      } catch {
        failed += 1;
      }
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  await close();
  const result: LoadResult = { completed: latencies.length, failed, perSecond: round(latencies.length / elapsed), p50Ms: round(percentile(latencies, 50)), p99Ms: round(percentile(latencies, 99)), paths };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
