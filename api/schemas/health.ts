import { z } from 'zod';

export const healthSchema = z.object({ status: z.literal('ok') }).describe('The process is alive');

export const checkReportSchema = z
  .object({
    status: z.enum(['ok', 'failed']),
    latencyMs: z.number().min(0),
    error: z.string().optional(),
    /** The `services` check (under `npm start`): each supervised service's state, pid, restarts and last exit. */
    detail: z.record(z.unknown()).optional(),
  })
  .describe('One dependency check');

export const readinessSchema = z
  .object({
    status: z.enum(['ok', 'failed']),
    checks: z.record(checkReportSchema).optional().describe('Per dependency; only for callers with a valid token'),
  })
  .describe('Whether every dependency answers (503 when one does not)');
