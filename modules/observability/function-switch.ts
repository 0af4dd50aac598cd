import type { ObservabilityPolicy } from '../meta/policy-kinds/observability';

/**
 * Which functions' invocations are recorded, from the observability policy
 * (`metrics.enabled` and the per-function `metrics` overrides, as `functionObservability`
 * reads them). Applied when the policy changes (PolicyCache.watch); the invoke path asks
 * `enabled(name)`: one Set lookup, nothing read from the meta store.
 */
export class FunctionMetricsSwitch {
  private byDefault = true;
  /** Functions whose own setting differs from the platform's. */
  private exceptions: ReadonlySet<string> = new Set();

  apply(policy: ObservabilityPolicy): void {
    const byDefault = policy.metrics.enabled;
    const exceptions = Object.entries(policy.functions).filter(([, own]) => own.metrics !== undefined && own.metrics !== byDefault).map(([name]) => name);
    this.byDefault = byDefault;
    this.exceptions = new Set(exceptions);
  }

  enabled(functionName: string): boolean {
    return this.exceptions.has(functionName) ? !this.byDefault : this.byDefault;
  }
}
