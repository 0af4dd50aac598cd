import { EntitySchema } from '@mikro-orm/core';

export type AuditOutcome = 'succeeded' | 'failed' | 'denied';

/** One change someone made (or tried to make) through the API. */
export interface AuditEventRecord {
  /** Increasing: the list's order and its page cursor. */
  id: number;
  at: Date;
  /** `token:<id>`, `jwt:<issuer>#<subject>`. */
  principalId: string;
  principalName: string;
  role: string;
  /** The permission the route needs, e.g. `function:create`. */
  action: string;
  method: string;
  /** The route's template, e.g. `/v1/functions/{name}`. */
  route: string;
  /** `function`, `trigger`, `alias`, `token`, `policy`… */
  resourceType: string;
  /** The function, trigger, token… it acted on, when it names one. */
  resourceName: string | null;
  requestId: string;
  outcome: AuditOutcome;
  status: number;
  /** The error code of a failed or denied change. */
  errorCode: string | null;
}

// No runtime import from ./entities: entities.ts lists this schema in ALL_ENTITIES.
export const AuditEventSchema = new EntitySchema<AuditEventRecord>({
  name: 'AuditEventRecord',
  tableName: 'audit_events',
  indexes: [{ properties: ['principalId', 'id'] }, { properties: ['resourceType', 'resourceName'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    at: { type: 'datetime', index: true },
    principalId: { type: 'string', length: 300 },
    principalName: { type: 'string', length: 300 },
    role: { type: 'string', length: 32 },
    action: { type: 'string', length: 64, index: true },
    method: { type: 'string', length: 8 },
    route: { type: 'string', length: 200 },
    resourceType: { type: 'string', length: 32 },
    resourceName: { type: 'string', length: 300, nullable: true },
    requestId: { type: 'string', length: 128 },
    outcome: { type: 'string', length: 16 },
    status: { type: 'integer' },
    errorCode: { type: 'string', length: 64, nullable: true },
  },
});
