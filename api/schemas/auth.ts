import { z } from 'zod';
import { isoDateTimeSchema } from './common';

export const functionScopeSchema = z
  .object({
    names: z.array(z.string()).optional().describe('Function names, exactly'),
    labels: z.record(z.string()).optional().describe('Every pair must be on the function'),
  })
  .describe('Which functions a credential may act on; an absent field does not narrow');

export const rateLimitSchema = z
  .object({ requestsPerSecond: z.number().positive(), burst: z.number().positive() })
  .describe("A principal's own request rate (a token bucket)");

export const principalViewSchema = z
  .object({
    id: z.string().describe('token:<id> or jwt:<issuer>#<subject>; invocations and audit events name it'),
    name: z.string(),
    via: z.string().describe('The auth module that established it: tokens or jwt'),
    role: z.string().describe('admin, module-developer or invoker'),
    permissions: z.array(z.string()).describe("The role's permissions, narrowed by the credential, sorted"),
    functions: functionScopeSchema.nullable().describe('null: every function'),
    expiresAt: isoDateTimeSchema.nullable(),
  })
  .describe('The caller');

export const tokenViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    role: z.string(),
    permissions: z.array(z.string()).nullable().describe("null: all of the role's"),
    functions: functionScopeSchema.nullable().describe('null: every function'),
    hint: z.string().describe('The last characters of the token, to tell tokens apart'),
    rateLimit: rateLimitSchema.nullable(),
    createdBy: z.string().describe('The principal that created it (bootstrap for the first admin token)'),
    createdAt: isoDateTimeSchema,
    expiresAt: isoDateTimeSchema.nullable(),
    revokedAt: isoDateTimeSchema.nullable(),
    lastUsedAt: isoDateTimeSchema.nullable().describe('A few seconds behind'),
  })
  .describe('An API token (never the token itself)');

export const tokenCreatedSchema = tokenViewSchema
  .extend({ token: z.string().describe('The token (pyf_…); shown only in this answer') })
  .describe('A new API token, with the token shown once');

export const tokenListSchema = z.object({ items: z.array(tokenViewSchema) }).describe('API tokens');
