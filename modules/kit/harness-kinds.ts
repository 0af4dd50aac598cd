/**
 * The harness's behavioural checks per kind: what can be asked of a module with no Temporal,
 * Kafka or database behind it. Each check returns a sentence saying what it saw, or throws
 * one saying what broke (the harness records it as a failed check).
 */
import { isDeepStrictEqual } from 'node:util';
import type { MetricsSample } from '../../contracts/scaling';
import { silentLogger } from '../../common/logger';
import type { AuthModule, AuthModuleFactory } from '../auth/contract';
import type { ModuleKind } from '../model';
import { MAX_INSTANCES, type ScalingDecision, type ScalingModule } from '../scaling/contract';
import type { TriggerKind, TriggerKindFactory } from '../trigger/contract';
import type { WorkerAdapter } from '../worker/adapter';
import { CheckFailed, firstAccepted, messageOf, statusOf, type KindCheck } from './harness-support';
import { RUNTIME_CHECKS } from './harness-runtime';

export type { KindCheck, KindCheckInput } from './harness-support';

/**
 * A platform dependency the harness cannot give (the Temporal client, the meta store): any
 * use throws, so a module that touches one while being built, or while answering a question
 * that needs none, fails with a sentence that says so.
 */
function unavailable(name: string): never {
  return new Proxy(
    {},
    {
      get(_target, property) {
        if (property === 'then' || typeof property === 'symbol') return undefined;
        throw new CheckFailed(`it used ${name}.${String(property)}, which the harness does not provide (no services run here); build lazily and use it only in the methods that need it.`);
      },
    },
  ) as never;
}


// ---- scaling -------------------------------------------------------------------------------

const STEP_MS = 2_000;
const START = 1_700_000_000_000;

/** 20 samples of rising load (0 → 12 in flight), 20 falling back to 0, 20 of none. */
function risingThenFalling(): MetricsSample[] {
  const load = [...Array.from({ length: 20 }, (_, i) => Math.round((i * 12) / 19)), ...Array.from({ length: 20 }, (_, i) => Math.round(((19 - i) * 12) / 19)), ...Array<number>(20).fill(0)];
  return load.map((inFlight, i) => ({ at: START + i * STEP_MS, inFlight, queued: 0, arrivals: inFlight, coldStarts: 0, instances: {} }));
}

function checkDecision(decision: ScalingDecision, params: Record<string, unknown>, step: number): void {
  const where = `decision ${step + 1}`;
  const min = typeof params.minInstances === 'number' ? params.minInstances : 0;
  const max = typeof params.maxInstances === 'number' ? params.maxInstances : MAX_INSTANCES;
  if (!Number.isInteger(decision?.desired) || decision.desired < min || decision.desired > max) {
    throw new CheckFailed(`${where} wanted ${String(decision?.desired)} instances, not a whole number within ${min}–${max}.`);
  }
  if (typeof decision.reason !== 'string' || decision.reason.length === 0) throw new CheckFailed(`${where} gave no reason.`);
  if (!['stable', 'panic', 'idle', 'fixed'].includes(decision.mode)) throw new CheckFailed(`${where} has mode ${JSON.stringify(decision.mode)}, not stable, panic, idle or fixed.`);
  if (!isDeepStrictEqual(JSON.parse(JSON.stringify(decision.state ?? null)), decision.state)) throw new CheckFailed(`${where}'s state does not survive JSON (it travels through workflow history).`);
  for (const [node, count] of Object.entries(decision.perNode ?? {})) {
    if (!Number.isInteger(count) || count < 0) throw new CheckFailed(`${where} wants ${String(count)} instances on node ${node}.`);
  }
}

const scalingSeries: KindCheck = {
  name: 'scaling: decide on rising then falling samples',
  run(instance, { configs }) {
    const scaling = instance as ScalingModule<Record<string, unknown>>;
    const parsed = firstAccepted(configs, (config) => scaling.parseParams(config));
    if ('error' in parsed) return `skipped: parseParams refuses {} (${messageOf(parsed.error)}); list a valid configuration in configSchema.examples to have it run.`;
    const params = parsed.value;
    const history = scaling.historyMs(params);
    const series = risingThenFalling();
    let current = 0;
    let state: ScalingDecision['state'] | undefined;
    const desired: number[] = [];
    series.forEach((sample, step) => {
      const samples = series.slice(0, step + 1).filter((s) => s.at >= sample.at - history);
      const input = { params, samples, now: sample.at, current, ...(state === undefined ? {} : { state }) };
      let decision: ScalingDecision;
      let again: ScalingDecision;
      try {
        decision = scaling.decide(structuredClone(input));
        again = scaling.decide(structuredClone(input));
      } catch (err) {
        throw new CheckFailed(`decide() threw at decision ${step + 1} (${sample.inFlight} in flight, ${current} warm): ${messageOf(err)}; it must be total.`);
      }
      checkDecision(decision, params, step);
      if (!isDeepStrictEqual(decision, again)) throw new CheckFailed(`decide() answered the same input differently at decision ${step + 1}; it must be pure (no clock, no randomness, no hidden state).`);
      desired.push(decision.desired);
      current = decision.desired;
      state = decision.state;
    });
    return `${series.length} decisions with params ${JSON.stringify(params)}: desired ${desired[0]} → peak ${Math.max(...desired)} → ${desired[desired.length - 1]}`;
  },
};

// ---- worker --------------------------------------------------------------------------------

const workerOptions: KindCheck = {
  name: 'worker: parseOptions({}) returns options or throws a 400',
  run(instance) {
    const adapter = instance as WorkerAdapter;
    try {
      return `parseOptions({}) returned ${JSON.stringify(adapter.parseOptions({}))}`;
    } catch (err) {
      if (statusOf(err) === 400) return `parseOptions({}) asks for options: ${messageOf(err)}`;
      throw new CheckFailed(`parseOptions({}) threw ${messageOf(err)}, not an InputError (400).`);
    }
  },
};

const workerOptionsNull: KindCheck = {
  name: 'worker: parseOptions(null) is refused with a 400',
  run(instance) {
    const adapter = instance as WorkerAdapter;
    let returned: unknown;
    try {
      returned = adapter.parseOptions(null);
    } catch (err) {
      if (statusOf(err) === 400) return 'refused with a 400';
      throw new CheckFailed(`parseOptions(null) threw ${messageOf(err)}, not an InputError (400).`);
    }
    throw new CheckFailed(`parseOptions(null) returned ${JSON.stringify(returned)}; options that are not an object must be refused with an InputError.`);
  },
};

// ---- trigger -------------------------------------------------------------------------------

function buildTriggerKind(instance: unknown): TriggerKind {
  const factory = instance as TriggerKindFactory;
  let kind: TriggerKind;
  try {
    kind = factory({ client: unavailable('client'), taskQueue: 'pyfaas-harness', logger: silentLogger() });
  } catch (err) {
    if (err instanceof CheckFailed) throw err;
    throw new CheckFailed(`the factory threw: ${messageOf(err)}`);
  }
  if (!kind || typeof kind !== 'object') throw new CheckFailed('the factory did not return a trigger kind object.');
  return kind;
}

const triggerKindShape: KindCheck = {
  name: 'trigger: the factory builds a kind named by the id',
  run(instance, { manifest }) {
    const kind = buildTriggerKind(instance);
    if (kind.kind !== manifest.id) throw new CheckFailed(`its kind is ${JSON.stringify(kind.kind)}; a trigger's kind field names the module id ${JSON.stringify(manifest.id)}.`);
    if (typeof kind.parseConfig !== 'function') throw new CheckFailed('the kind has no parseConfig().');
    const optional = ['conflict', 'needsApiKey', 'apply', 'remove', 'describe', 'receive'] as const;
    const wrong = optional.filter((method) => kind[method] !== undefined && typeof kind[method] !== 'function');
    if (wrong.length > 0) throw new CheckFailed(`${wrong.join(', ')} must be functions when present.`);
    const hooks = optional.filter((method) => typeof kind[method] === 'function');
    return `kind ${kind.kind}${hooks.length ? ` with ${hooks.join(', ')}` : ''}`;
  },
};

const triggerParseNull: KindCheck = {
  name: 'trigger: parseConfig(null) is refused with a 400',
  run(instance, { configs }) {
    const kind = buildTriggerKind(instance);
    let returned: unknown;
    try {
      returned = kind.parseConfig(null);
    } catch (err) {
      if (statusOf(err) !== 400) throw new CheckFailed(`parseConfig(null) threw ${messageOf(err)}, not an InputError (400).`);
      const parsed = firstAccepted(configs, (config) => kind.parseConfig(config));
      return 'value' in parsed ? `refused with a 400; accepts ${JSON.stringify(parsed.config)}` : 'refused with a 400';
    }
    throw new CheckFailed(`parseConfig(null) returned ${JSON.stringify(returned)}; a config that is not an object must be refused with an InputError.`);
  },
};

// ---- auth ----------------------------------------------------------------------------------

function buildAuthModule(instance: unknown, configs: unknown[]): { module: AuthModule; options: unknown } | { needs: string } {
  const factory = instance as AuthModuleFactory;
  const deps = { store: unavailable('store'), changes: unavailable('changes'), logger: silentLogger() };
  const built = firstAccepted(configs, (options) => factory(options as Record<string, unknown>, deps));
  if ('error' in built) return { needs: messageOf(built.error) };
  const module = built.value;
  if (!module || typeof module.authenticate !== 'function') throw new CheckFailed(`the factory returned ${module === null ? 'null' : typeof module}, not an object with authenticate().`);
  for (const method of ['invalidate', 'close'] as const) {
    if (module[method] !== undefined && typeof module[method] !== 'function') throw new CheckFailed(`${method} must be a function when present.`);
  }
  return { module, options: built.config };
}

const authFactory: KindCheck = {
  name: 'auth: the factory builds a module with authenticate() or throws a 400',
  run(instance, { configs }) {
    const built = buildAuthModule(instance, configs);
    return 'needs' in built ? `the factory asks for options: ${built.needs}` : `built with options ${JSON.stringify(built.options)}`;
  },
};

const authNoCredential: KindCheck = {
  name: 'auth: no credential resolves undefined, a garbage one no principal',
  async run(instance, { configs }) {
    const built = buildAuthModule(instance, configs);
    if ('needs' in built) return 'skipped: the factory needs options; list valid ones in configSchema.examples to have it run.';
    try {
      const none = await built.module.authenticate({});
      if (none !== undefined) throw new CheckFailed(`authenticate({}) resolved ${JSON.stringify(none)}; headers with no credential must resolve undefined.`);
      const garbage = await built.module.authenticate({ authorization: 'Bearer pyfaas-harness-not-a-credential' }).catch((err: unknown) => {
        if (statusOf(err) === 401) return undefined;
        throw new CheckFailed(`a garbage bearer credential threw ${messageOf(err)}, not an UnauthenticatedError (401).`);
      });
      if (garbage !== undefined) throw new CheckFailed(`a garbage bearer credential resolved the principal ${JSON.stringify(garbage)}.`);
    } finally {
      await built.module.close?.();
    }
    return 'no credential: undefined; a garbage one: not a principal';
  },
};

export const KIND_CHECKS: Partial<Record<ModuleKind, KindCheck[]>> = {
  scaling: [scalingSeries],
  worker: [workerOptions, workerOptionsNull],
  trigger: [triggerKindShape, triggerParseNull],
  auth: [authFactory, authNoCredential],
  runtime: RUNTIME_CHECKS,
};
