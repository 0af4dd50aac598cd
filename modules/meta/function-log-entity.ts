import { BigIntType, EntitySchema } from '@mikro-orm/core';

export type FunctionLogStream = 'stdout' | 'stderr';

/**
 * One line a function printed during one attempt (GET /v1/functions/{name}/logs). A row per
 * line, not per attempt's chunk: the API pages, filters and resumes by line, so the row's id
 * is the cursor and `limit` is a plain SQL limit.
 */
export interface FunctionLogLineRecord {
  /** Increasing in insertion order: the log's order and its cursor (bigint: lines add up fast). */
  id: number;
  /** When the attempt's output came back (every line of one attempt shares it). */
  at: Date;
  functionName: string;
  version: number;
  invocationId: string;
  attempt: number;
  stream: FunctionLogStream;
  line: string;
  /** The principal that started the invocation over the API (invokers read only their own lines); null for triggers. */
  caller: string | null;
}

// No runtime import from ./entities: entities.ts lists this schema in ALL_ENTITIES.
export const FunctionLogLineSchema = new EntitySchema<FunctionLogLineRecord>({
  name: 'FunctionLogLineRecord',
  tableName: 'function_log_lines',
  indexes: [{ properties: ['functionName', 'id'] }, { properties: ['invocationId', 'id'] }],
  properties: {
    id: { type: new BigIntType('number'), primary: true, autoincrement: true },
    at: { type: 'datetime', index: true },
    functionName: { type: 'string', length: 63 },
    version: { type: 'integer' },
    invocationId: { type: 'string', length: 255 },
    attempt: { type: 'integer' },
    stream: { type: 'string', length: 6 },
    line: { type: 'text' },
    caller: { type: 'string', length: 300, nullable: true },
  },
});
