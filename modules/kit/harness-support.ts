/**
 * What the harness's kind checks share (harness-kinds.ts, harness-runtime.ts): a check
 * returns a sentence saying what it saw, or throws one saying what broke.
 */
import type { ModuleManifest } from '../model';

export interface KindCheckInput {
  manifest: ModuleManifest;
  /** `{}` and the configSchema's examples, as the schema passed them (see harness.ts). */
  configs: unknown[];
  /** The package directory, absolute: where a check finds the package's example files. */
  dir: string;
}

export interface KindCheck {
  name: string;
  run(instance: unknown, input: KindCheckInput): Promise<string> | string;
}

/** A check's failure, worded for the module developer. */
export class CheckFailed extends Error {}

/** The HTTP status a coded error carries (400 for an InputError), if any. */
export function statusOf(err: unknown): number | undefined {
  const status = (err as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' ? status : undefined;
}

export function messageOf(err: unknown): string {
  return (err as Error | undefined)?.message ?? String(err);
}

/** The first config the module's own parser accepts, or the last error when none is. */
export function firstAccepted<T>(configs: unknown[], parse: (config: unknown) => T): { value: T; config: unknown } | { error: unknown } {
  let error: unknown = new CheckFailed('no configuration to try');
  for (const config of configs) {
    try {
      return { value: parse(config), config };
    } catch (err) {
      if (statusOf(err) !== 400) throw new CheckFailed(`its parser threw ${messageOf(err)} for ${JSON.stringify(config)}, not an InputError (400).`);
      error = err;
    }
  }
  return { error };
}
