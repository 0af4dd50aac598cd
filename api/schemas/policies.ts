import { z } from 'zod';
import { isoDateTimeSchema } from './common';

export const policyViewSchema = z
  .object({
    kind: z.string().describe('e.g. auth'),
    value: z.record(z.unknown()).describe("The document in force, defaults filled in; its shape is the kind's"),
    revision: z.number().int().min(0).describe('0 while the defaults apply'),
    updatedBy: z.string().optional().describe('Absent while the defaults apply'),
    updatedAt: isoDateTimeSchema.optional(),
  })
  .describe('A platform policy');

export const policyListSchema = z.object({ items: z.array(policyViewSchema) }).describe('Every policy in force');
