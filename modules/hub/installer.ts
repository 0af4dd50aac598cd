import path from 'node:path';
import type { CheckedModule } from '../../contracts/modules';
import { ModuleLoadError, ModuleError } from '../errors';
import { NotAllowedError } from '../../common/errors';
import { loadModulePackage } from '../package';
import type { ModuleRegistry } from '../registry';
import { selfCheck } from '../self-check';
import { fetchModule, type HubReader } from './fetch';
import type { ModulePolicy } from './policy';
import { verifyModuleDir } from './signature';

/** An id the module policy does not allow for its kind. */
export class ModuleNotAllowedError extends NotAllowedError {
  override readonly code: string = 'MODULE_NOT_ALLOWED';
}

export interface CheckModuleDeps {
  hub: HubReader;
  registry: ModuleRegistry;
  dataDir: string;
  policy(): Promise<ModulePolicy>;
}

/**
 * Every check an install makes before anything changes, in the order a user meets them:
 * the hub's record (a `pyfaas` manifest, the platform range), the tarball's integrity and
 * safe unpacking (modules/hub/fetch.ts), the publisher's signature against the module policy,
 * the policy's allowed ids, no clash with another package's id, its dependencies installed,
 * then the entry loaded and built, and its kind's contract self-check. Throws the coded error
 * of the first that fails (modules/errors.ts); nothing serving changes.
 */
export async function checkModule(deps: CheckModuleDeps, request: { package: string; version: string }): Promise<CheckedModule> {
  const policy = await deps.policy();
  const fetched = await fetchModule(deps.hub, path.join(deps.dataDir, 'modules'), request);
  const signature = await verifyModuleDir(fetched.dir, { package: request.package, version: request.version }, policy);
  const { manifest } = fetched;
  const allowed = policy.allowedIds[manifest.kind];
  if (allowed && !allowed.includes(manifest.id)) {
    throw new ModuleNotAllowedError(`The module policy allows only ${allowed.join(', ') || 'no'} ${manifest.kind} modules; ${request.package} is ${manifest.kind}/${manifest.id}.`);
  }
  deps.registry.checkClash(manifest, request.package);
  deps.registry.checkDependencies(manifest);
  const module = await loadModulePackage(fetched.dir);
  let instance: unknown;
  try {
    instance = deps.registry.build(module);
  } catch (err) {
    if (err instanceof ModuleError) throw err;
    throw new ModuleLoadError(`Module ${manifest.kind}/${manifest.id} ${manifest.version}: create(context) threw: ${(err as Error)?.message ?? String(err)}`);
  }
  selfCheck(manifest, instance);
  return { kind: manifest.kind, id: manifest.id, package: request.package, version: request.version, integrity: fetched.integrity, signerKeyId: signature.signer?.keyId ?? null };
}
