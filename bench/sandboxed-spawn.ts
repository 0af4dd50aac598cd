import { launcherRedirects, sandboxCommand, type SandboxSpec } from '../modules/worker/sandbox';
import { spawnTime } from './stats';

/**
 * Median wall time of one sandboxed command run to completion, started the way an instance
 * starts (bwrap with the seccomp program on its fd), without the instance's cgroups.
 */
export function sandboxedSpawnTime(spec: SandboxSpec, runs: number): number {
  const { command, args } = sandboxCommand(spec);
  return spawnTime('/bin/sh', ['-c', `exec "$@" ${launcherRedirects(args)}`, 'sh', command, ...args], runs);
}
