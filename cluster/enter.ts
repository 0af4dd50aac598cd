import { spawn } from 'node:child_process';
import { createTopology, destroyTopology, type HostPlan, type Topology } from './topology';

const TOPOLOGY_ENV = 'PYFAAS_CLUSTER_TOPOLOGY';
const ROOT_MOUNT_ENV = 'PYFAAS_CLUSTER_ROOT_MOUNT_NS';

/** Inside the wire namespace: the topology the outer process made, and its root mount namespace. */
export interface Inside {
  topology: Topology;
  /** For `hostCommand`: the cgroup files are only mounted there. */
  rootMountNs: string;
}

export function insideTopology(): Inside | undefined {
  const json = process.env[TOPOLOGY_ENV];
  if (!json) return undefined;
  return { topology: JSON.parse(json) as Topology, rootMountNs: process.env[ROOT_MOUNT_ENV]! };
}

/**
 * Makes the topology, runs `entry` (this same program) again inside its wire namespace with
 * the same arguments, and removes the topology once it exits, whatever happened. Resolves
 * with its exit code. A program calls this when `insideTopology()` is undefined.
 */
export async function runInTopology(plans: HostPlan[], entry: string, argv: string[]): Promise<number> {
  if (process.getuid?.() !== 0) throw new Error('the multi-host topology needs root (network namespaces, cgroups)');
  const topology = createTopology(plans);
  try {
    const child = spawn('ip', ['netns', 'exec', topology.wire.namespace, process.execPath, entry, ...argv], {
      stdio: 'inherit',
      env: { ...process.env, [TOPOLOGY_ENV]: JSON.stringify(topology), [ROOT_MOUNT_ENV]: `/proc/${process.pid}/ns/mnt` },
    });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    const code = await new Promise<number>((resolve) => child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 128 : 1))));
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
    return code;
  } finally {
    destroyTopology(topology);
  }
}
