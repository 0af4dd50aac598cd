import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { expectStatus } from '../chaos/prepare';
import type { ChaosApi } from '../chaos/api';
import type { Cluster } from './cluster';
import { HOST_A_PORTS } from './host-a-plan';

/** One proof of the multi-host run: what it showed, and whether that is what it must show. */
export interface Proof {
  name: string;
  ok: boolean;
  detail: string;
}

/**
 * A network-enabled function on a PyFaaS host tries host A's PostgreSQL (a private address:
 * the function network must refuse it) and the ledger on the "internet" address (reachable).
 */
export const PROBE_CODE = `import socket

def reach(host, port):
    try:
        socket.create_connection((host, port), timeout=3).close()
        return "connected"
    except OSError as err:
        return type(err).__name__ + ": " + str(err)

def handler(event, context):
    return {"hostA": reach(event["hostA"], event["hostAPort"]), "internet": reach(event["internet"], 8080)}
`;

/** The functions the proofs invoke, deployed through B. */
export async function deployProofFunctions(client: ChaosApi): Promise<void> {
  await expectStatus('deploying the probe function', await client.call('POST', '/v1/functions', {
    name: 'probe', runtime: 'python3', handler: 'main.handler', code: { inline: PROBE_CODE }, allowNetwork: true, timeoutMs: 10_000,
  }, {}, 120_000), 201);
  await expectStatus('deploying the cold-start function', await client.call('POST', '/v1/functions', {
    name: 'cold', runtime: 'python3', handler: 'main.handler', code: { inline: COLD_CODE }, timeoutMs: 10_000, maxConcurrency: 16,
  }, {}, 120_000), 201);
}

export async function proveFunctionsCannotReachHostA(cluster: Cluster, hostA: string, internet: string): Promise<Proof> {
  const { client } = cluster;
  const answer = await client.call('POST', '/v1/functions/probe/invoke', { hostA, hostAPort: HOST_A_PORTS.postgres, internet });
  const result = answer.body?.result ?? {};
  const ok = answer.body?.status === 'succeeded' && result.internet === 'connected' && result.hostA !== 'connected';
  return { name: 'a function cannot reach host A (private range), but reaches the internet address', ok, detail: `host A ${hostA}:${HOST_A_PORTS.postgres}: ${result.hostA}; internet ${internet}:8080: ${result.internet}` };
}

export interface InvocationStats {
  /** How many of the invocations each node ran (their last attempt). */
  byNode: Record<string, number>;
  /** How many took more than one attempt (one was lost with a node or a connection, and retried). */
  retried: number;
}

/** Read from the invocation records. */
export async function invocationStats(cluster: Cluster, invocationIds: string[]): Promise<InvocationStats> {
  const stats: InvocationStats = { byNode: {}, retried: 0 };
  for (const id of invocationIds) {
    const record = (await cluster.client.call('GET', `/v1/invocations/${encodeURIComponent(id)}`)).body ?? {};
    const node = record.nodeId ?? 'unknown';
    stats.byNode[node] = (stats.byNode[node] ?? 0) + 1;
    if ((record.attempts ?? 1) > 1) stats.retried += 1;
  }
  return stats;
}

/** How many invocations of the function the node has run since it started, by its last heartbeat. */
export async function invocationsOnNode(cluster: Cluster, nodeId: string, functionName: string): Promise<number> {
  const nodes = ((await cluster.client.call('GET', '/v1/nodes')).body?.items ?? []) as Array<{ nodeId: string; functions: Array<{ functionName: string; invocations: number }> }>;
  const functions = nodes.find((node) => node.nodeId === nodeId)?.functions ?? [];
  return functions.filter((entry) => entry.functionName === functionName).reduce((sum, entry) => sum + entry.invocations, 0);
}

const countByNode = async (cluster: Cluster, ids: string[]) => (await invocationStats(cluster, ids)).byNode;

/** `count` sync invocations, `parallel` at a time; resolves with the invocation ids of those that succeeded. */
export async function invokeMany(cluster: Cluster, functionName: string, count: number, parallel: number, event: (index: number) => unknown): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const index = next++;
      const answer = await cluster.client.call('POST', `/v1/functions/${functionName}/invoke`, event(index), {}, 60_000);
      if (answer.body?.status === 'succeeded') ids.push(answer.body.invocationId);
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
  return ids;
}

/** Work sent through B runs on every PyFaaS node (by node id in the invocation records). */
export async function proveWorkSpreads(cluster: Cluster, functionName: string): Promise<Proof> {
  const ids = await invokeMany(cluster, functionName, 48, 16, (index) => ({ key: `spread-${index}-${process.pid}` }));
  const counts = await countByNode(cluster, ids);
  const nodes = [cluster.api, ...cluster.workers].map((host) => host.nodeId);
  const ok = ids.length === 48 && nodes.every((node) => (counts[node] ?? 0) > 0);
  return { name: 'invocations sent through B run on both B and C', ok, detail: `${ids.length}/48 succeeded; by node: ${JSON.stringify(counts)}` };
}

const COLD_CODE = `import time

def handler(event, context):
    time.sleep(0.5)
    return {"cold": "from the object store"}
`;

/**
 * A function deployed through B runs on C, whose own data dir shares nothing with B's: the
 * code can only have come from the object store (C's disk holds it afterwards).
 */
export async function proveColdStartOnWorker(cluster: Cluster, s3Dir: string): Promise<Proof> {
  const worker = cluster.workers[0];
  const versions = await cluster.client.call('GET', '/v1/functions/cold/versions');
  const codeHash: string = versions.body?.items?.[0]?.codeHash ?? 'unknown';
  const inBucket = existsSync(path.join(s3Dir, 'artifacts', `${codeHash}.tar.gz`));
  let counts: Record<string, number> = {};
  for (let round = 0; round < 5 && !counts[worker.nodeId]; round += 1) {
    counts = await countByNode(cluster, await invokeMany(cluster, 'cold', 16, 16, () => ({})));
  }
  const onWorkerDisk = listFiles(worker.dataDir).filter((file) => path.basename(file) === codeHash);
  const ok = inBucket && (counts[worker.nodeId] ?? 0) > 0 && onWorkerDisk.length > 0;
  return {
    name: `a function deployed via B cold-starts on ${worker.host.name.toUpperCase()} from the object store`, ok,
    detail: `code ${codeHash.slice(0, 12)}… in the bucket: ${inBucket}; by node: ${JSON.stringify(counts)}; on ${worker.nodeId}'s own disk since: ${onWorkerDisk.map((file) => path.relative(worker.dataDir, file)).join(', ') || 'nowhere'}`,
  };
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? [full, ...listFiles(full)] : [full];
  });
}
