import { EntitySchema } from '@mikro-orm/core';
import type { RateLimit } from '../contract';

/** An API token: only its SHA-256 is kept; the token itself is shown once, at creation. */
export interface TokenRecord {
  id: string;
  /** What it is for, e.g. `ci-deploy`; shown in lists and audit entries. */
  name: string;
  role: string;
  /** Narrowed permissions (each within the role); null: all of the role's. */
  permissions: string[] | null;
  /** Narrowed to these function names; null: any. */
  functionNames: string[] | null;
  /** Narrowed to functions carrying all these labels; null: any. */
  functionLabels: Record<string, string> | null;
  /** SHA-256 (hex) of the whole token. */
  hash: string;
  /** The last characters of the token, to tell tokens apart (`pyf_…a1B2c3`). */
  hint: string;
  rateLimit: RateLimit | null;
  /** The principal that created it (`bootstrap` for the first admin token). */
  createdBy: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  /** Written in batches off the request path, so a few seconds behind. */
  lastUsedAt: Date | null;
}

// No runtime import from ../../meta/entities: entities.ts lists this schema in ALL_ENTITIES.
export const TokenSchema = new EntitySchema<TokenRecord>({
  name: 'TokenRecord',
  tableName: 'api_tokens',
  properties: {
    id: { type: 'string', primary: true, length: 36 },
    name: { type: 'string', length: 100 },
    role: { type: 'string', length: 32 },
    permissions: { type: 'json', nullable: true },
    functionNames: { type: 'json', nullable: true },
    functionLabels: { type: 'json', nullable: true },
    hash: { type: 'string', length: 64, unique: true },
    hint: { type: 'string', length: 16 },
    rateLimit: { type: 'json', nullable: true },
    createdBy: { type: 'string', length: 200 },
    createdAt: { type: 'datetime', onCreate: () => new Date() },
    expiresAt: { type: 'datetime', nullable: true },
    revokedAt: { type: 'datetime', nullable: true },
    lastUsedAt: { type: 'datetime', nullable: true },
  },
});
