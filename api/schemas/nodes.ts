import { z } from 'zod';
import { countSchema, isoDateTimeSchema, versionNumberSchema } from './common';

export const nodeFunctionStatsSchema = z
  .object({
    functionName: z.string(),
    version: versionNumberSchema,
    warm: countSchema.describe('Instances alive, idle or busy'),
    busy: countSchema,
    target: countSchema.describe('Warm instances the scaler asked this node to keep'),
    invocations: countSchema.describe('Since the node started'),
    coldStarts: countSchema,
  })
  .describe('One function version a node holds, from its last heartbeat');

export const workerNodeViewSchema = z
  .object({
    nodeId: z.string(),
    taskQueue: z.string().describe("The node's own task queue"),
    capacity: countSchema.describe('Most warm instances it keeps at once'),
    functions: z.array(nodeFunctionStatsSchema),
    startedAt: isoDateTimeSchema,
    lastHeartbeatAt: isoDateTimeSchema,
  })
  .describe('A live worker node');

export const nodeListSchema = z.object({ items: z.array(workerNodeViewSchema) }).describe('Worker nodes heard from recently, by node id');
