import { InputError } from '../../common/errors';
import type { FunctionScope } from './contract';

/** `team=payments,env=prod` → { team: 'payments', env: 'prod' }; throws InputError naming a bad pair. */
export function parseLabelSelector(selector: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of selector.split(',').map((p) => p.trim()).filter(Boolean)) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new InputError(`Label selector pair ${JSON.stringify(pair)} must be key=value.`);
    labels[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return labels;
}

/** Whether a function (by name, with its labels) is within the scope. */
export function inScope(scope: FunctionScope | undefined, name: string, labels: Record<string, string> | undefined): boolean {
  if (!scope) return true;
  if (scope.names && !scope.names.includes(name)) return false;
  if (scope.labels) {
    if (!labels) return false;
    for (const [key, value] of Object.entries(scope.labels)) if (labels[key] !== value) return false;
  }
  return true;
}

/** Whether the scope needs the function's labels to decide. */
export function scopeNeedsLabels(scope: FunctionScope | undefined): boolean {
  return Boolean(scope?.labels && Object.keys(scope.labels).length > 0);
}

export function describeScope(scope: FunctionScope): string {
  const parts: string[] = [];
  if (scope.names) parts.push(`functions ${scope.names.map((n) => JSON.stringify(n)).join(', ')}`);
  if (scope.labels) parts.push(`labels ${Object.entries(scope.labels).map(([k, v]) => `${k}=${v}`).join(',')}`);
  return parts.join(' and ');
}
