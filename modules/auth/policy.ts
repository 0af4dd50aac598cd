import { z } from 'zod';
import type { PolicyKind } from '../meta/policies';

const rateLimit = z.object({
  requestsPerSecond: z.number().positive().max(1_000_000),
  burst: z.number().int().min(1).max(10_000_000),
}).strict();

/**
 * The auth policy: which auth module reads credentials, its options, and the request rates.
 * Changing it (PUT /v1/policies/auth) takes effect on every process within a poll of the
 * change feed, without a restart.
 */
export const authPolicySchema = z.object({
  /** The auth module that reads bearer credentials: `tokens` (built in, the default) or one installed from the hub, such as `jwt` (pyfaas-auth-jwt). */
  module: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be an auth module id').default('tokens'),
  /** The module's own options (a `jwt` module's key source and claims). */
  options: z.record(z.unknown()).default({}),
  /**
   * PyFaaS API tokens (`pyf_…`) keep working beside another module — the bootstrap admin
   * token stays a way back in. Turn off to accept only the module's credentials.
   */
  acceptPlatformTokens: z.boolean().default(true),
  /** Token defaults for POST /v1/tokens. */
  tokens: z.object({
    /** The expiry of a token created without one (null: it never expires). */
    expiresInDays: z.number().int().min(1).max(3650).nullable().default(null),
    /** No new token may live longer than this (null: no limit, and tokens may never expire). */
    maxLifetimeDays: z.number().int().min(1).max(3650).nullable().default(null),
  }).strict().default({}),
  rateLimit: z.object({
    /** Each principal (token, JWT subject), on each process. */
    perPrincipal: rateLimit.default({ requestsPerSecond: 1000, burst: 2000 }),
    /** Each client address calling without a credential: public HTTP triggers, /healthz. */
    anonymousPerAddress: rateLimit.default({ requestsPerSecond: 200, burst: 400 }),
  }).strict().default({}),
}).strict();

export type AuthPolicy = z.infer<typeof authPolicySchema>;

export const AUTH_POLICY: PolicyKind<AuthPolicy> = { kind: 'auth', topic: 'auth', schema: authPolicySchema };
