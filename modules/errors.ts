import { ConflictError, InputError, ModuleError, NotAllowedError, NotFoundError, UnavailableError } from '../common/errors';

/**
 * The stable codes of what can go wrong with a module, from its package to its install.
 * Each is refused before anything already serving changes.
 */

/** The package has no `pyfaas` manifest, or the manifest is malformed. */
export class ModuleManifestError extends InputError {
  override readonly code: string = 'MODULE_MANIFEST_INVALID';
}

export class ModuleKindUnknownError extends InputError {
  override readonly code: string = 'MODULE_KIND_UNKNOWN';
}

/** The module supports PyFaaS versions this one is not. */
export class ModulePlatformError extends InputError {
  override readonly code: string = 'MODULE_PLATFORM_UNSUPPORTED';
}

/** A module it depends on is not installed (or not at a version in range). */
export class ModuleDependencyError extends InputError {
  override readonly code: string = 'MODULE_DEPENDENCY_MISSING';
}

/** The same kind and id already belongs to a different package (a built-in, or another hub package). */
export class ModuleIdClashError extends ConflictError {
  override readonly code: string = 'MODULE_ID_CLASH';
}

/** The tarball's digest is not the one the registry recorded at publish. */
export class ModuleIntegrityError extends InputError {
  override readonly code: string = 'MODULE_INTEGRITY_MISMATCH';
}

/** No signature, or one made by a key the module policy does not trust, or one that does not verify. */
export class ModuleSignatureError extends NotAllowedError {
  override readonly code: string = 'MODULE_SIGNATURE_INVALID';
}

/** The entry threw while loading, or exports no `create`. */
export class ModuleLoadError extends InputError {
  override readonly code: string = 'MODULE_LOAD_FAILED';
}

/** The module loaded but does not honour its kind's contract. */
export class ModuleSelfCheckError extends InputError {
  override readonly code: string = 'MODULE_SELF_CHECK_FAILED';
}

/** Uninstall refused: functions or policies still use it (`details.users`). */
export class ModuleInUseError extends ConflictError {
  override readonly code: string = 'MODULE_IN_USE';
}

/** Built-in modules ship with PyFaaS and cannot be uninstalled. */
export class ModuleBuiltInError extends ConflictError {
  override readonly code: string = 'MODULE_BUILT_IN';
}

/** The Module Hub (the npm registry) does not answer. */
export class HubUnavailableError extends UnavailableError {
  override readonly code: string = 'HUB_UNAVAILABLE';
}

/** The hub has no such package, or no such version of it. */
export class ModulePackageNotFoundError extends NotFoundError {
  override readonly code: string = 'MODULE_PACKAGE_NOT_FOUND';
}

export { ModuleError };
