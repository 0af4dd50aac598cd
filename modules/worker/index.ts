import { defineBuiltinModule } from '../package';
import type { ExecutableRuntime } from './instance';
import type { ExecutionPool } from './contract';
import { LocalPool } from './local-pool';
import declaration from './local-pool.module.json';

export * from './contract';
export { LocalPool } from './local-pool';

export interface LocalPoolModuleOptions {
  runtimes: (id: string) => ExecutableRuntime | undefined;
  idleTimeoutMs: number;
}

/** `local-pool`: warm bubblewrap-sandboxed instances on this machine (the default worker module). */
export const localPoolWorker = defineBuiltinModule<(options: LocalPoolModuleOptions) => ExecutionPool>(
  declaration,
  ({ logger }) => (options) => new LocalPool({ ...options, logger }),
);
export { warmFirstPlacement, sharedQueuePlacement, type Placement, type NodeSnapshot, type PlacementRequest } from './placement';
