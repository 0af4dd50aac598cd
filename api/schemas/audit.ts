import { z } from 'zod';
import { isoDateTimeSchema } from './common';

export const auditEventViewSchema = z
  .object({
    id: z.number().int(),
    at: isoDateTimeSchema,
    principalId: z.string(),
    principalName: z.string(),
    role: z.string(),
    action: z.string().describe('The permission the route needs, e.g. function:create, or authenticated'),
    method: z.string(),
    route: z.string().describe('The route template, e.g. /v1/functions/{name}'),
    resourceType: z.string(),
    resourceName: z.string().nullable(),
    requestId: z.string(),
    outcome: z.enum(['succeeded', 'failed', 'denied']),
    status: z.number().int().describe('The HTTP status answered'),
    errorCode: z.string().nullable(),
  })
  .describe('One change made, or refused, through the API');

export const auditPageSchema = z
  .object({
    items: z.array(auditEventViewSchema).describe('Newest first'),
    next: z.string().optional().describe('Pass as `after` for the next (older) page; absent on the last page'),
  })
  .describe('A page of audit events');
