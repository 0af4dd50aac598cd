import { ConflictError } from '../common/errors';
import type { FunctionService } from '../modules/meta/functions';
import type { FunctionVersionSpec } from '../modules/worker/contract';

/**
 * Version specs for the invoke hot path. A version's code and config never change, but the
 * function's concurrency and status can, so entries live a few seconds.
 */
export class VersionSpecs {
  private readonly cache = new Map<string, { spec: FunctionVersionSpec; expires: number }>();

  constructor(
    private readonly functions: FunctionService,
    private readonly ttlMs = 5000,
  ) {}

  /** Throws FunctionNotFoundError / VersionNotFoundError, or ConflictError for a version without code. */
  async get(functionName: string, version: number): Promise<FunctionVersionSpec> {
    const key = `${functionName}@${version}`;
    const cached = this.cache.get(key);
    if (cached && cached.expires > Date.now()) return cached.spec;
    const [fn, record] = await Promise.all([this.functions.get(functionName), this.functions.getVersion(functionName, version)]);
    if (!record.artifactPath) throw new ConflictError(`Version ${version} of ${functionName} has no built code (status ${record.status}).`);
    const spec: FunctionVersionSpec = {
      functionName,
      version,
      codeDir: record.artifactPath,
      ...record.config,
      maxConcurrency: fn.maxConcurrency,
    };
    this.cache.set(key, { spec, expires: Date.now() + this.ttlMs });
    return spec;
  }

  forget(functionName: string): void {
    for (const key of this.cache.keys()) if (key.startsWith(`${functionName}@`)) this.cache.delete(key);
  }
}
