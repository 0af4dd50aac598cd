/** The label value every function past the cap (and every unknown trigger kind) is counted under. */
export const OTHER = '_other';

/** Trigger kinds a series may carry; any other prefix counts as `_other` (a label value never comes from a caller). */
const TRIGGER_KINDS = ['api', 'http', 'kafka', 'schedule', 'webhook', 'invoke-topic'];
const COLON = 58;

/**
 * The kind of a trigger label (`api`, `kafka:<id>` → `kafka`): a bounded label value, so one
 * series per kind, never per trigger. Undefined (an attempt started by an older workflow) is `unknown`.
 */
export function triggerKind(trigger: string | undefined): string {
  if (trigger === undefined) return 'unknown';
  // Compared in place: no substring is made on the invoke path.
  for (const kind of TRIGGER_KINDS) {
    if (trigger.startsWith(kind) && (trigger.length === kind.length || trigger.charCodeAt(kind.length) === COLON)) return kind;
  }
  return OTHER;
}

/** HTTP methods a series may carry; anything else a client sends is `OTHER`. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export function httpMethod(method: string): string {
  return METHODS.has(method) ? method : 'OTHER';
}
