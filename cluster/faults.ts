import type { Cluster } from './cluster';
import { setLink, type Topology } from './topology';

/** What the multi-host run does to the cluster, in this order by default. */
export const CLUSTER_FAULTS = ['kill-worker', 'cut-worker', 'temporal', 'kafka'] as const;
export type ClusterFault = (typeof CLUSTER_FAULTS)[number];

/** How long the worker host stays down (crashed, or cut off) before it comes back. */
export const WORKER_DOWN_MS = 10_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Injected {
  /** How the table names it. */
  label: string;
  at: number;
  /** Settles once the cluster is whole again (the host back, the service restarted). */
  healed: Promise<void>;
}

async function restartedOnA(cluster: Cluster, service: string, restartsBefore: number, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const status = () => cluster.hostA.services().find((entry) => entry.name === service);
  while (!(status()?.state === 'running' && (status()?.restarts ?? 0) > restartsBefore)) {
    if (Date.now() > deadline) throw new Error(`${service} on host A did not come back within ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

/**
 * Injects one fault under load. `kill-worker`: SIGKILL the first worker host's PyFaaS (its
 * whole process group, functions too), start it again after WORKER_DOWN_MS, as a rebooted
 * machine would. `cut-worker`: its link to the bridge down for WORKER_DOWN_MS, then up.
 * `temporal`, `kafka`: SIGKILL the service on host A; host A's supervisor restarts it.
 */
export function inject(fault: ClusterFault, cluster: Cluster, topology: Topology): Injected {
  const worker = cluster.workers[0];
  const name = worker.host.name.toUpperCase();
  const everyNode = [cluster.api, ...cluster.workers].filter((host) => host.role !== 'api').map((host) => host.nodeId);
  const at = Date.now();
  if (fault === 'kill-worker') {
    const pid = worker.process?.pid;
    const healed = (async () => {
      await worker.kill();
      await sleep(WORKER_DOWN_MS);
      await worker.start(async () => true);
      await cluster.waitForNodes(everyNode, 90_000);
    })();
    return { label: `SIGKILL ${name}'s PyFaaS (pid ${pid}), back after ${WORKER_DOWN_MS / 1000} s`, at, healed };
  }
  if (fault === 'cut-worker') {
    setLink(topology, worker.host, false);
    const healed = (async () => {
      await sleep(WORKER_DOWN_MS);
      setLink(topology, worker.host, true);
      await cluster.waitForNodes(everyNode, 90_000);
    })();
    return { label: `${name}'s link down for ${WORKER_DOWN_MS / 1000} s`, at, healed };
  }
  const service = fault;
  const status = cluster.hostA.services().find((entry) => entry.name === service);
  if (!status?.pid) throw new Error(`${service} is not running on host A`);
  process.kill(status.pid, 'SIGKILL');
  return { label: `SIGKILL ${service} (pid ${status.pid}) on A`, at, healed: restartedOnA(cluster, service, status.restarts) };
}
