import { ConflictError } from '../common/errors';
import type { FunctionVersionRecord } from '../modules/meta/entities';
import type { FunctionReads } from '../modules/meta/function-reads';
import type { FunctionVersionSpec } from '../modules/worker/contract';

/**
 * Version specs for the invoke hot path, built from the per-process function cache (which
 * a change to the function or version drops): a version's code and config never change, but
 * the function's concurrency can.
 */
export class VersionSpecs {
  private readonly built = new WeakMap<FunctionVersionRecord, { maxConcurrency: number; spec: FunctionVersionSpec }>();

  constructor(private readonly reads: FunctionReads) {}

  /** Throws FunctionNotFoundError / VersionNotFoundError, or ConflictError for a version without code. */
  async get(functionName: string, version: number): Promise<FunctionVersionSpec> {
    const [fn, record] = await Promise.all([this.reads.get(functionName), this.reads.getVersion(functionName, version)]);
    if (!record.artifactPath) throw new ConflictError(`Version ${version} of ${functionName} has no built code (status ${record.status}).`);
    const known = this.built.get(record);
    if (known && known.maxConcurrency === fn.maxConcurrency) return known.spec;
    const spec: FunctionVersionSpec = { functionName, version, codeDir: record.artifactPath, ...record.config, maxConcurrency: fn.maxConcurrency };
    this.built.set(record, { maxConcurrency: fn.maxConcurrency, spec });
    return spec;
  }
}
