/**
 * Each kind's contract, checked on a freshly built instance before a module is installed
 * (and by the authoring kit's harness, so a module developer meets the same checks first).
 * What a check cannot know (a worker adapter's far side, a trigger's outside system) it
 * leaves to the module's own tests; what it can (shapes, a scaling module deciding on no
 * samples) it runs. Throws ModuleSelfCheckError naming the first broken promise.
 */
import { ModuleSelfCheckError } from './errors';
import type { ModuleManifest } from './model';
import { isWorkerAdapter } from './worker/adapter';
import type { ScalingModule } from './scaling/contract';
import { MAX_INSTANCES } from './scaling/contract';

type Check = (instance: unknown, manifest: ModuleManifest) => void;

function fail(manifest: ModuleManifest, sentence: string): never {
  throw new ModuleSelfCheckError(`Module ${manifest.kind}/${manifest.id} ${manifest.version} fails the ${manifest.kind} contract: ${sentence}`);
}

const checkScaling: Check = (instance, manifest) => {
  const scaling = instance as Partial<ScalingModule>;
  for (const method of ['parseParams', 'historyMs', 'decide'] as const) {
    if (typeof scaling?.[method] !== 'function') fail(manifest, `its instance has no ${method}() (modules/scaling/contract.ts).`);
  }
  if (scaling.id !== manifest.id) fail(manifest, `its instance's id is ${JSON.stringify(scaling.id)}, not ${JSON.stringify(manifest.id)}.`);
  let params: unknown;
  try {
    params = scaling.parseParams!({});
  } catch (err) {
    if ((err as { status?: number })?.status === 400) return; // needs params: nothing more to try without them
    fail(manifest, `parseParams({}) threw ${(err as Error)?.message ?? String(err)} instead of returning params or throwing InputError.`);
  }
  const history = scaling.historyMs!(params);
  if (!Number.isFinite(history) || history < 0) fail(manifest, `historyMs() returned ${String(history)}, not a duration ≥ 0.`);
  for (const current of [0, 3]) {
    let decision;
    try {
      decision = scaling.decide!({ params, samples: [], now: 1_700_000_000_000, current });
    } catch (err) {
      fail(manifest, `decide() threw on no samples (it must be total): ${(err as Error)?.message ?? String(err)}.`);
    }
    if (!Number.isInteger(decision?.desired) || decision.desired < 0 || decision.desired > MAX_INSTANCES) fail(manifest, `decide() wanted ${String(decision?.desired)} instances, not a whole number 0–${MAX_INSTANCES}.`);
    if (typeof decision.reason !== 'string' || typeof decision.mode !== 'string') fail(manifest, 'decide() returned no reason or mode.');
    if (decision.state === undefined || JSON.stringify(decision.state) === undefined) fail(manifest, 'decide() returned a state that is not JSON.');
  }
};

const checkWorker: Check = (instance, manifest) => {
  if (!isWorkerAdapter(instance)) fail(manifest, 'a hub worker module is an adapter: its instance needs id, parseOptions() and run() (modules/worker/adapter.ts).');
  if (instance.id !== manifest.id) fail(manifest, `its adapter's id is ${JSON.stringify(instance.id)}, not ${JSON.stringify(manifest.id)}.`);
};

const checkFactory = (what: string): Check => (instance, manifest) => {
  if (typeof instance !== 'function') fail(manifest, `its instance must be ${what}.`);
};

const checkRuntime: Check = (instance, manifest) => {
  const runtime = instance as Record<string, unknown>;
  for (const method of ['parseHandler', 'launch', 'checkSyntax', 'installDependencies']) {
    if (typeof runtime?.[method] !== 'function') fail(manifest, `its instance has no ${method}() (modules/runtime/contract.ts).`);
  }
  if (typeof runtime.extension !== 'string' || typeof runtime.shimDir !== 'string') fail(manifest, 'its instance needs extension and shimDir.');
};

/**
 * A meta or task module: a factory of checks. Built with `{}`, it returns something with the
 * kind's method, or refuses with an InputError (its config has required fields).
 */
const checkPolicyModule = (method: 'checkFunction' | 'admit', contract: string): Check => (instance, manifest) => {
  if (typeof instance !== 'function') fail(manifest, `its instance must be a factory: (config) => { ${method}() } (${contract}).`);
  let built: unknown;
  try {
    built = (instance as (config: Record<string, unknown>) => unknown)({});
  } catch (err) {
    if ((err as { status?: number })?.status === 400) return; // needs config: nothing more to try without it
    fail(manifest, `its factory threw ${(err as Error)?.message ?? String(err)} for {} instead of returning a check or throwing InputError.`);
  }
  if (typeof (built as Record<string, unknown> | null)?.[method] !== 'function') fail(manifest, `what its factory returns has no ${method}() (${contract}).`);
};

const CHECKS: Record<ModuleManifest['kind'], Check> = {
  scaling: checkScaling,
  worker: checkWorker,
  trigger: checkFactory('a trigger kind factory: (deps) => TriggerKind (modules/trigger/contract.ts)'),
  auth: checkFactory('an auth module factory: (options, deps) => AuthModule (modules/auth/contract.ts)'),
  runtime: checkRuntime,
  task: checkPolicyModule('admit', 'modules/task/extension.ts'),
  meta: checkPolicyModule('checkFunction', 'modules/meta/extension.ts'),
};

export function selfCheck(manifest: ModuleManifest, instance: unknown): void {
  CHECKS[manifest.kind](instance, manifest);
}
