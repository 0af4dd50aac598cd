/**
 * The harness's behavioural checks for the two kinds the function policy runs: meta modules
 * (shown each create and update of a function) and task modules (shown each invocation
 * request). Both are factories of checks; both must answer the same input the same way and
 * refuse only with a coded 4xx, since anything else fails the request closed (MODULE_FAILED).
 */
import type { FunctionMetadata, MetadataChange, MetaCheck } from '../meta/extension';
import type { ModuleKind } from '../model';
import type { TaskGuard, TaskRequest } from '../task/extension';
import { CheckFailed, firstAccepted, messageOf, statusOf, type KindCheck } from './harness-support';

const SAMPLE_FUNCTION: FunctionMetadata = {
  name: 'harness-fn', description: 'a function the harness made up', labels: { team: 'harness' }, runtime: 'python3', handler: 'main.handler',
  memoryMb: 128, timeoutMs: 10_000, maxConcurrency: 10, allowNetwork: false, envNames: ['LOG_LEVEL'], scalingModule: 'kpa', executorModule: null,
};

const SAMPLE_REQUEST: TaskRequest = {
  functionName: 'harness-fn', version: 1, mode: 'sync', trigger: 'api', caller: 'token:harness', labels: { team: 'harness' }, event: { hello: 'world' }, eventBytes: 17,
};

/** Describes what a call did: `allowed`, or `refused with CODE (status)`; throws CheckFailed for a throw that is not a coded 4xx. */
async function outcomeOf(what: string, call: () => void | Promise<void>): Promise<string> {
  try {
    await call();
    return 'allowed';
  } catch (err) {
    const status = statusOf(err);
    const code = (err as { code?: unknown })?.code;
    if (status === undefined || status < 400 || status > 499 || typeof code !== 'string') {
      throw new CheckFailed(`${what} threw ${messageOf(err)}, not a kit error with a 4xx status and a code; the platform would fail the request as MODULE_FAILED.`);
    }
    return `refused with ${code} (${status})`;
  }
}

function build<T>(instance: unknown, configs: unknown[], method: string): { check: T; config: unknown } | { needs: string } {
  const built = firstAccepted(configs, (config) => (instance as (config: Record<string, unknown>) => T)(config as Record<string, unknown>));
  if ('error' in built) return { needs: messageOf(built.error) };
  if (typeof (built.value as Record<string, unknown> | null)?.[method] !== 'function') throw new CheckFailed(`the factory returned no object with ${method}().`);
  return { check: built.value, config: built.config };
}

const factoryCheck = (kind: 'meta' | 'task', method: string): KindCheck => ({
  name: `${kind}: the factory builds a check with ${method}() or throws a 400`,
  run(instance, { configs }) {
    const built = build<unknown>(instance, configs, method);
    return 'needs' in built ? `the factory asks for config: ${built.needs}` : `built with config ${JSON.stringify(built.config)}`;
  },
});

/** Runs `ask` twice on a fresh copy of its input and insists on the same outcome. */
async function answersTheSame(ask: () => void | Promise<void>, what: string): Promise<string> {
  const first = await outcomeOf(what, ask);
  const again = await outcomeOf(what, ask);
  if (first !== again) throw new CheckFailed(`${what} was ${first}, then ${again} for the same input; it must answer the same way.`);
  return first;
}

const metaAnswers: KindCheck = {
  name: 'meta: answers a create and an update the same way twice, refusing only with a 4xx',
  async run(instance, { configs }) {
    const built = build<MetaCheck>(instance, configs, 'checkFunction');
    if ('needs' in built) return 'skipped: the factory needs config; list a valid one in configSchema.examples to have it run.';
    const ask = (change: MetadataChange) => () => built.check.checkFunction(structuredClone(SAMPLE_FUNCTION), change);
    const create = await answersTheSame(ask({ operation: 'create', changed: Object.keys(SAMPLE_FUNCTION).sort() }), 'checkFunction(create)');
    const update = await answersTheSame(ask({ operation: 'update', changed: ['memoryMb'] }), 'checkFunction(update)');
    return `a sample create: ${create}; an update of memoryMb: ${update}`;
  },
};

const taskAnswers: KindCheck = {
  name: 'task: answers a sync and an async request the same way twice, refusing only with a 4xx',
  async run(instance, { configs }) {
    const built = build<TaskGuard>(instance, configs, 'admit');
    if ('needs' in built) return 'skipped: the factory needs config; list a valid one in configSchema.examples to have it run.';
    const ask = (request: TaskRequest) => () => built.check.admit(structuredClone(request));
    const sync = await answersTheSame(ask(SAMPLE_REQUEST), 'admit(sync)');
    const async = await answersTheSame(ask({ ...SAMPLE_REQUEST, mode: 'async', caller: null }), 'admit(async)');
    return `a sample sync request: ${sync}; an async one without a caller: ${async}`;
  },
};

export const POLICY_MODULE_CHECKS: Partial<Record<ModuleKind, KindCheck[]>> = {
  meta: [factoryCheck('meta', 'checkFunction'), metaAnswers],
  task: [factoryCheck('task', 'admit'), taskAnswers],
};

