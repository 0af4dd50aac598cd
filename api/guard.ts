import type { LabelLookup } from '../modules/auth/authorize';
import type { AuthGate } from '../modules/auth/gate';
import type { AuditService } from '../modules/meta/audit';
import type { FunctionReads } from '../modules/meta/function-reads';
import type { RouteGuard } from './router';

/** How long a function's labels are trusted for scope checks (label selectors only). */
const LABELS_TTL_MS = 2000;

/**
 * The API's guard over the process's auth gate: credentials from the request headers, rates
 * by principal or client address, labels for label-scoped principals (briefly cached), and
 * audit entries into the meta store.
 */
export function createRouteGuard(deps: { gate: AuthGate; audit: AuditService; reads: FunctionReads }): RouteGuard {
  const labels = new Map<string, { at: number; labels: Record<string, string> | undefined }>();
  const labelsOf: LabelLookup = async (name) => {
    const cached = labels.get(name);
    if (cached && performance.now() - cached.at < LABELS_TTL_MS) return cached.labels;
    const found = await deps.reads.get(name).then((fn) => fn.labels, () => undefined);
    if (labels.size > 10_000) labels.clear();
    labels.set(name, { at: performance.now(), labels: found });
    return found;
  };
  return {
    authenticate: (ctx) => deps.gate.authenticate(ctx.headers),
    admit: (ctx, principal) => deps.gate.admit(ctx.ip, principal),
    labelsOf,
    audit: (entry) => deps.audit.record(entry),
  };
}
