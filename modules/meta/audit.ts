import type { FilterQuery } from '@mikro-orm/core';
import { z } from 'zod';
import { InputError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { parseInput } from '../../common/validation';
import type { Principal } from '../auth/contract';
import { AuditEventSchema, type AuditEventRecord, type AuditOutcome } from './audit-entity';
import type { MetaStore } from './store';

/** What the API records for one change (modules/meta/audit-entity.ts holds the stored form). */
export interface AuditEntry {
  principal: Principal;
  /** The permission the route needs (`function:create`), or `authenticated`. */
  action: string;
  method: string;
  route: string;
  resourceType: string;
  resourceName?: string;
  requestId: string;
  outcome: AuditOutcome;
  status: number;
  errorCode?: string;
}

/** One stored audit event as the API shows it: every field, `null` where absent, `at` as ISO 8601 (UTC). */
export type AuditEventView = Omit<AuditEventRecord, 'at'> & { at: string };

export interface AuditPage {
  items: AuditEventView[];
  /** Pass as `after` for the next (older) page; absent on the last page. */
  next?: string;
}

export const AUDIT_OUTCOMES = ['succeeded', 'failed', 'denied'] as const satisfies readonly AuditOutcome[];

export const AUDIT_LIST_MAX = 500;

// Koa hands the query string over as strings (an array when a name repeats); an empty value
// means "not given", as it does for the other list routes.
const given = (value: unknown) => (value === '' ? undefined : value);
const once = () => z.string({ invalid_type_error: 'must be given once' });
const text = (max: number, description: string) => z.preprocess(given, once().max(max).optional()).describe(description);

const ISO_DATE = z.string().date();
const ISO_TIME = z.string().datetime({ offset: true });
const ISO_RULE = 'must be an ISO 8601 date (2025-01-31) or a time with an offset (2025-01-31T12:00:00Z)';
const isoInstant = (description: string) =>
  z
    .preprocess(
      given,
      once()
        // A time without an offset would be read in the server's zone: ask for one.
        .refine((s) => ISO_DATE.safeParse(s).success || ISO_TIME.safeParse(s).success, ISO_RULE)
        .transform((s) => new Date(s))
        .optional(),
    )
    .describe(description);

const LIMIT_RULE = `must be an integer from 1 to ${AUDIT_LIST_MAX}`;
const CURSOR_RULE = 'must be the `next` of a previous page';

/**
 * The audit list's query string, as Koa gives it (strings). `since` is inclusive and `until`
 * exclusive, so windows laid end to end neither overlap nor leave gaps. Unknown parameters
 * are refused so that a misspelt filter does not silently list everything. The router parses
 * it with parseInput; `parseAuditQuery` does the same for other callers.
 */
export const auditQuerySchema = z
  .object({
    principal: text(300, 'A principal id: token:<id> or jwt:<issuer>#<subject>'),
    action: text(64, 'The permission the change needed, e.g. function:create'),
    resourceType: text(32, 'function, trigger, alias, token, policy…'),
    resourceName: text(300, 'The name of the function, trigger, token… acted on'),
    outcome: z.preprocess(given, z.enum(AUDIT_OUTCOMES).optional()).describe('succeeded, failed or denied'),
    since: isoInstant('Events at or after this ISO 8601 date or time'),
    until: isoInstant('Events before this ISO 8601 date or time'),
    limit: z
      .preprocess(
        given,
        once()
          .regex(/^[0-9]{1,4}$/, LIMIT_RULE)
          .transform(Number)
          .pipe(z.number().min(1, LIMIT_RULE).max(AUDIT_LIST_MAX, LIMIT_RULE))
          .default('50'),
      )
      .describe(`1 to ${AUDIT_LIST_MAX} (default 50)`),
    after: z
      .preprocess(given, once().regex(/^[0-9]{1,15}$/, CURSOR_RULE).transform(Number).optional())
      .describe('The `next` of the previous page: older events'),
  })
  .strict();

export type AuditQuery = z.output<typeof auditQuerySchema>;

/** Throws InputError naming every bad parameter (`Invalid audit query: limit: …`). */
export function parseAuditQuery(query: unknown): AuditQuery {
  return parseInput(auditQuerySchema, query, 'audit query');
}

// Column lengths of audit_events: PostgreSQL refuses a longer value, and losing the whole
// event over a long request id or route would be worse than clipping it.
const clip = (value: string, length: number) => (value.length > length ? value.slice(0, length) : value);

/**
 * The audit log: one row per change made (or refused) through the API, newest first by id.
 * Recording never fails the request that made the change; a row that cannot be written is
 * logged (with everything it held) instead.
 */
export class AuditService {
  constructor(
    private readonly store: MetaStore,
    private readonly logger: Logger,
  ) {}

  /** Stores the entry, stamped now. Never rejects: a failure is logged at error level. */
  async record(entry: AuditEntry): Promise<void> {
    const row = {
      at: new Date(),
      principalId: clip(entry.principal.id, 300),
      principalName: clip(entry.principal.name, 300),
      role: clip(entry.principal.role, 32),
      action: clip(entry.action, 64),
      method: clip(entry.method, 8),
      route: clip(entry.route, 200),
      resourceType: clip(entry.resourceType, 32),
      resourceName: entry.resourceName === undefined ? null : clip(entry.resourceName, 300),
      requestId: clip(entry.requestId, 128),
      outcome: entry.outcome,
      status: entry.status,
      errorCode: entry.errorCode === undefined ? null : clip(entry.errorCode, 64),
    };
    try {
      await this.store.em().insert<AuditEventRecord>(AuditEventSchema, row);
    } catch (err) {
      this.logger.error({ err, audit: { ...row, at: row.at.toISOString() } }, 'Could not record an audit event');
    }
  }

  /** A page of events matching every filter given, newest first. Throws InputError when `since` is not before `until`. */
  async list(query: AuditQuery): Promise<AuditPage> {
    if (query.since && query.until && query.since >= query.until) {
      const issue = { path: 'until', message: 'must be after since' };
      throw new InputError(`Invalid audit query: ${issue.path}: ${issue.message}.`, { issues: [issue] });
    }
    const where: FilterQuery<AuditEventRecord> = {};
    if (query.principal !== undefined) where.principalId = query.principal;
    if (query.action !== undefined) where.action = query.action;
    if (query.resourceType !== undefined) where.resourceType = query.resourceType;
    if (query.resourceName !== undefined) where.resourceName = query.resourceName;
    if (query.outcome !== undefined) where.outcome = query.outcome;
    if (query.since || query.until) where.at = { ...(query.since ? { $gte: query.since } : {}), ...(query.until ? { $lt: query.until } : {}) };
    if (query.after !== undefined) where.id = { $lt: query.after };
    // One row past the page says whether there is another, without a count.
    const rows = await this.store.em().find(AuditEventSchema, where, { orderBy: { id: 'desc' }, limit: query.limit + 1 });
    const items = rows.slice(0, query.limit).map(toView);
    return rows.length > query.limit ? { items, next: String(items[items.length - 1].id) } : { items };
  }

  /** Deletes the events recorded before `olderThan` (retention); answers how many. */
  async prune(olderThan: Date): Promise<number> {
    return this.store.em().nativeDelete(AuditEventSchema, { at: { $lt: olderThan } });
  }
}

function toView(row: AuditEventRecord): AuditEventView {
  return { ...row, at: row.at.toISOString(), resourceName: row.resourceName ?? null, errorCode: row.errorCode ?? null };
}
