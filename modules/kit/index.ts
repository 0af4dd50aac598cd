/**
 * The module kit: what the platform lends every module through `context.kit`, so a module
 * published to the hub needs no copy of PyFaaS. Its error classes are the platform's own (a
 * module's InputError is a 400 with its code, like the platform's), and `require` hands out
 * the platform's copy of the libraries a module may share. A module bundles anything else.
 */
import * as errors from '../../common/errors';
import * as authErrors from '../auth/errors';
import { ROLE_NAMES, ROLE_PERMISSIONS } from '../auth/permissions';
import { bearerCredential } from '../auth/contract';
import { triggerLabel } from '../trigger/contract';
import { runtimeKit } from './runtime-kit';

/** The libraries a module may take from the platform: `context.kit.require('zod')`. */
export const SHARED_LIBRARIES = ['zod', 'jose', 'semver'] as const;
export type SharedLibrary = (typeof SHARED_LIBRARIES)[number];

function requireShared(name: string): unknown {
  switch (name) {
    case 'zod':
      return require('zod');
    case 'jose':
      return require('jose');
    case 'semver':
      return require('semver');
    default:
      throw new errors.ModuleError(`A module asked the kit for ${JSON.stringify(name)}; the kit lends ${SHARED_LIBRARIES.join(', ')} (bundle anything else).`);
  }
}

export const moduleKit = Object.freeze({
  errors: Object.freeze({
    InputError: errors.InputError,
    NotFoundError: errors.NotFoundError,
    ConflictError: errors.ConflictError,
    NotAllowedError: errors.NotAllowedError,
    LimitExceededError: errors.LimitExceededError,
    UnauthenticatedError: errors.UnauthenticatedError,
    UnavailableError: errors.UnavailableError,
    ModuleError: errors.ModuleError,
    TokenMalformedError: authErrors.TokenMalformedError,
    TokenExpiredError: authErrors.TokenExpiredError,
    TokenSignatureError: authErrors.TokenSignatureError,
    TokenClaimsError: authErrors.TokenClaimsError,
  }),
  auth: Object.freeze({ ROLE_NAMES, ROLE_PERMISSIONS, bearerCredential }),
  trigger: Object.freeze({ triggerLabel }),
  runtime: runtimeKit,
  require: requireShared,
});

export type ModuleKit = typeof moduleKit;
