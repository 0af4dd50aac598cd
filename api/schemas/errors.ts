import { z } from 'zod';

/** Every error answer (api/middleware/errors.ts): typed errors keep their code; 5xx hide their message. */
export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string().describe('Stable code, e.g. INVALID_INPUT or FUNCTION_NOT_FOUND; never renamed'),
      message: z.string().describe('A sentence for people; for a 500 a generic one'),
      requestId: z.string().describe('Also in the X-Request-Id header and the server logs'),
      details: z.record(z.unknown()).optional().describe('Structured detail some errors add, e.g. `issues` for invalid input'),
    }),
  })
  .describe('An error answer');
