import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ChaosApi } from '../chaos/api';
import type { Logger } from '../common/logger';
import { step } from '../infra/progress';
import { ensureVersitygw, provision } from '../infra/provision';
import { generateToken } from '../modules/auth/tokens/format';
import type { Inside } from './enter';
import { startHostA, PyFaaSHost, type HostA, type PyFaaSRole } from './hosts';
import { hostNamed, setCpuQuota, type HostPlan } from './topology';

const REPO_DATA_DIR = path.resolve(__dirname, '..', '..', '.pyfaas');

/** What host A runs as Temporal: the dev server (SQLite) or the real server on A's PostgreSQL. */
export const TEMPORAL_MODES = ['dev', 'server'] as const;

export interface ClusterOptions {
  /** B's role: `all` (api + bridge + worker) or `api` (so only the worker hosts run functions). */
  apiRole: Extract<PyFaaSRole, 'all' | 'api'>;
  /** Worker hosts after B: c, d, … */
  workerHosts: number;
  /** CPU quota of each worker host, in cores (host A has none). */
  cores: number;
  /** CPU quota of host B; `cores` by default. */
  apiCores?: number;
  temporal: (typeof TEMPORAL_MODES)[number];
  /** Keep the data dirs and logs. */
  keep: boolean;
}

/** The hosts a cluster of these options needs, for `runInTopology`. */
export function clusterHostPlans(options: Pick<ClusterOptions, 'workerHosts' | 'cores'>): HostPlan[] {
  const workers = Array.from({ length: options.workerHosts }, (_, index) => ({ name: String.fromCharCode(99 + index), cores: options.cores }));
  return [{ name: 'a' }, { name: 'b', cores: options.cores }, ...workers];
}

export interface Cluster {
  hostA: HostA;
  /** Host B: the API (and, in role `all`, a worker). */
  api: PyFaaSHost;
  workers: PyFaaSHost[];
  client: ChaosApi;
  adminToken: string;
  /** Where the data dirs and logs are. */
  dir: string;
  /** Waits until B lists exactly these nodes as alive. */
  waitForNodes(nodeIds: string[], timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function readyz(url: string): Promise<boolean> {
  return (await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(3000) })).status === 200;
}

/** Starts host A's services, then B, then each worker host, each waited for. */
export async function startCluster(inside: Inside, options: ClusterOptions, logger: Logger): Promise<Cluster> {
  const { topology, rootMountNs } = inside;
  const provisioned = await provision(REPO_DATA_DIR, { postgres: true, bubblewrap: true, temporalServer: options.temporal === 'server' }, logger);
  const versitygw = await ensureVersitygw(REPO_DATA_DIR, logger);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pyfaas-cluster-'));
  chmodSync(dir, 0o755); // PostgreSQL runs as its own user and must reach its cluster below
  const adminToken = generateToken();
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const each of stops.reverse()) await each().catch((err) => logger.warn({ err }, 'error while stopping the cluster'));
    if (options.keep) logger.info(`kept ${dir} (each host's log and data dir)`);
    else rmSync(dir, { recursive: true, force: true });
  };
  try {
    const a = hostNamed(topology, 'a');
    const plan = {
      dataDir: path.join(dir, 'a'), address: a.address, subnet: topology.subnet, temporal: options.temporal, provisioned, versitygw,
      s3: { bucket: 'pyfaas', accessKeyId: `pyfaas${randomBytes(6).toString('hex')}`, secretAccessKey: randomBytes(24).toString('hex') },
    };
    const hostA = await step(logger, 'host-a', `host A (${a.address}): PostgreSQL, Temporal (${options.temporal}), Kafka, versitygw`, () => startHostA(a, plan, logger, rootMountNs));
    stops.push(() => hostA.process.stop());
    const env = { ...hostA.env, PYFAAS_ADMIN_TOKEN: adminToken };
    const b = hostNamed(topology, 'b');
    setCpuQuota(b, options.apiCores ?? options.cores, rootMountNs);
    for (const host of topology.hosts.filter((entry) => !['a', 'b'].includes(entry.name))) setCpuQuota(host, options.cores, rootMountNs);
    const api = new PyFaaSHost(b, options.apiRole, env, dir, logger, rootMountNs);
    await step(logger, 'host-b', `host B (${b.address}): PyFaaS role ${options.apiRole}`, () => api.start(() => readyz(api.apiUrl!)));
    stops.push(() => api.stop());
    const client = new ChaosApi(api.apiUrl!, adminToken);
    const aliveNodes = async () => ((await client.call('GET', '/v1/nodes')).body?.items ?? []).map((node: { nodeId: string }) => node.nodeId) as string[];
    const workers = topology.hosts.filter((host) => !['a', 'b'].includes(host.name)).slice(0, options.workerHosts).map((host) => new PyFaaSHost(host, 'worker', env, dir, logger, rootMountNs));
    for (const worker of workers) {
      await step(logger, `host-${worker.host.name}`, `host ${worker.host.name.toUpperCase()} (${worker.host.address}): PyFaaS role worker`, () =>
        worker.start(async () => (await aliveNodes()).includes(worker.nodeId)),
      );
      stops.push(() => worker.stop());
    }
    const waitForNodes = async (nodeIds: string[], timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const alive = await aliveNodes().catch(() => [] as string[]);
        if (alive.length === nodeIds.length && nodeIds.every((id) => alive.includes(id))) return;
        if (Date.now() > deadline) throw new Error(`expected alive nodes ${nodeIds.join(', ')}, B lists ${alive.join(', ') || 'none'}`);
        await sleep(500);
      }
    };
    return { hostA, api, workers, client, adminToken, dir, waitForNodes, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
