import { z } from 'zod';
import { InputError } from '../../common/errors';
import type { PolicyKind } from '../meta/policies';
import { MODULE_KINDS } from '../model';
import { keyIdOf } from './signature';

const ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * The module policy: whose signatures the platform trusts, whether unsigned modules may be
 * installed (off by default), and, per kind, which module ids may be installed at all.
 * Applies to the next install; modules already installed stay until uninstalled.
 */
export const modulePolicySchema = z.object({
  /** Publishers whose ed25519 keys sign the modules this platform installs (`pyfaas module keygen` prints one). */
  trustedKeys: z.array(z.object({ name: z.string().min(1).max(100), publicKey: z.string().min(1).max(2000) }).strict()).max(100).default([]),
  allowUnsigned: z.boolean().default(false),
  /** Per kind, the module ids that may be installed; a kind left out allows any id. */
  allowedIds: z.record(z.enum(MODULE_KINDS), z.array(z.string().regex(ID, 'must be a module id')).max(1000)).default({}),
}).strict();

export type ModulePolicy = z.infer<typeof modulePolicySchema>;

export const MODULE_POLICY: PolicyKind<ModulePolicy> = {
  kind: 'module',
  topic: 'policies',
  schema: modulePolicySchema,
  check(policy) {
    policy.trustedKeys.forEach((key, index) => {
      try {
        keyIdOf(key.publicKey);
      } catch (err) {
        throw new InputError(`Invalid module policy: trustedKeys.${index}.publicKey: ${(err as Error).message}`, { issues: [{ path: `trustedKeys.${index}.publicKey`, message: (err as Error).message }] });
      }
    });
  },
};
