import { defineModule } from '../model';
import type { ExecutableRuntime } from './instance';
import type { ExecutionPool } from './contract';
import { LocalPool } from './local-pool';

export * from './contract';
export { LocalPool } from './local-pool';

export interface LocalPoolModuleOptions {
  runtimes: (id: string) => ExecutableRuntime | undefined;
  idleTimeoutMs: number;
}

/** `local-pool`: warm bubblewrap-sandboxed instances on this machine (the default worker module). */
export const localPoolWorker = defineModule<(options: LocalPoolModuleOptions) => ExecutionPool>(
  { id: 'local-pool', kind: 'worker', version: '0.1.0', platform: '^0.1.0', description: 'Warm sandboxed function processes on this node' },
  ({ logger }) => (options) => new LocalPool({ ...options, logger }),
);
export { warmFirstPlacement, sharedQueuePlacement, type Placement, type NodeSnapshot, type PlacementRequest } from './placement';
