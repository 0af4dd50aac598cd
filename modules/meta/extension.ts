/**
 * The `meta` kind's contract (modules/meta/CONTRACT.md): a module that adds rules to the
 * metadata of functions. The function policy lists the meta modules in force
 * (`metaChecks: [{ module, config }]`); every create and update of a function is shown to each
 * of them, as the function would be after the change, before anything is written. A module
 * refuses by throwing one of the kit's errors (a 4xx with its code); that answer goes to the
 * caller as is and nothing changes.
 */

/** A function as it would be after the create or update (env values are never shown, only their names). */
export interface FunctionMetadata {
  name: string;
  description: string;
  labels: Record<string, string>;
  runtime: string;
  handler: string;
  memoryMb: number;
  timeoutMs: number;
  maxConcurrency: number;
  allowNetwork: boolean;
  envNames: string[];
  scalingModule: string;
  /** The worker adapter running its attempts; null for the local sandbox pool. */
  executorModule: string | null;
}

export interface MetadataChange {
  operation: 'create' | 'update';
  /** The fields the request sets (every field for a create). */
  changed: string[];
}

export interface MetaCheck {
  /** Returns to allow; throws a kit error (InputError, NotAllowedError, …) to refuse. */
  checkFunction(fn: FunctionMetadata, change: MetadataChange): void | Promise<void>;
}

/** What a meta module's `create(context)` returns: builds a check from its config (throws InputError for a bad one). */
export type MetaModuleFactory = (config: Record<string, unknown>) => MetaCheck;

type MetadataSource = Pick<FunctionMetadata, 'name' | 'description' | 'labels' | 'runtime' | 'handler' | 'memoryMb' | 'timeoutMs' | 'maxConcurrency' | 'allowNetwork'> & {
  env: Record<string, string>;
  scaling?: { module: string } | null;
  executor?: { module: string } | null;
};

/** What a meta module is shown of a function: its settings, its env's names but never their values. */
export function functionMetadata(fn: MetadataSource): FunctionMetadata {
  return {
    name: fn.name, description: fn.description, labels: { ...fn.labels }, runtime: fn.runtime, handler: fn.handler,
    memoryMb: fn.memoryMb, timeoutMs: fn.timeoutMs, maxConcurrency: fn.maxConcurrency, allowNetwork: fn.allowNetwork,
    envNames: Object.keys(fn.env).sort(), scalingModule: fn.scaling?.module ?? 'kpa', executorModule: fn.executor?.module ?? null,
  };
}
