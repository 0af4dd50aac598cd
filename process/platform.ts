import path from 'node:path';
import { InputError, ModuleError } from '../common/errors';
import type { Logger } from '../common/logger';
import type { Config } from '../infra/config';
import { ArtifactStore } from '../modules/artifacts/artifact-store';
import { FunctionService, MetaStore } from '../modules/meta';
import { PolicyExtensions } from '../modules/policy-extensions';
import { ModuleRegistry } from '../modules/registry';
import { nodejs20Runtime, python3Runtime, type RuntimeModule } from '../modules/runtime';
import { PayloadStore } from '../modules/task/payloads';
import { openObjectStore, type ObjectStore } from '../modules/objects';
import type { FunctionVersionSpec } from '../modules/worker/contract';
import { AdaptingPool } from '../modules/worker/adapting-pool';
import { localPoolWorker, sharedQueuePlacement, warmFirstPlacement, type ExecutionPool, type LocalPoolModuleOptions, type Placement } from '../modules/worker';
import type { Client } from '@temporalio/client';
import { fixedScaling, kpaScaling, type ScalingModule } from '../modules/scaling';
import { Scalers, validateScaling } from '../modules/scaling/scalers';
import { AliasService } from '../modules/meta/aliases';
import { NodeService } from '../modules/meta/nodes';
import { ScalingHistory } from '../modules/meta/scaling-history';
import type { TriggerKindDeps } from '../modules/trigger/contract';
import { httpTrigger } from '../modules/trigger/http';
import { kafkaTrigger } from '../modules/trigger/kafka/kind';
import { scheduleTrigger } from '../modules/trigger/schedule';
import { registryTriggerKinds, TriggerService } from '../modules/trigger/service';
import { VersionSpecs } from '../activities/version-specs';
import { ChangeFeed } from '../modules/meta/revisions';
import { FunctionReads } from '../modules/meta/function-reads';
import { PolicyService } from '../modules/meta/policies';
import { AuditService } from '../modules/meta/audit';
import { TokenService, tokensAuth } from '../modules/auth/tokens';
import type { AuthModuleFactory } from '../modules/auth/contract';
import { hubClientFor, type HubClient } from '../modules/hub';
import { InstalledModules } from '../modules/hub/installed';
import { MODULE_POLICY, type ModulePolicy } from '../modules/hub/policy';
import { PolicyCache } from '../modules/meta/policy-cache';
import { functionPolicy, type FunctionPolicy, logLevelApplier, OBSERVABILITY_POLICY, runtimePolicy, scalingPolicy, TRIGGER_POLICY, type TriggerPolicy } from '../modules/meta/policy-kinds';

export class UnknownRuntimeError extends InputError {
  override readonly code: string = 'UNKNOWN_RUNTIME';
}

/** The services every role shares, built once per process from the config. */
export interface Platform {
  registry: ModuleRegistry;
  runtime: (id: string) => RuntimeModule;
  meta: MetaStore;
  functions: FunctionService;
  /** The invoke hot path's cached reads of functions, versions and aliases. */
  reads: FunctionReads;
  artifacts: ArtifactStore;
  payloads: PayloadStore;
  /** Artifacts and large payloads (config.objects): local directory or S3. */
  objects: ObjectStore;
  specs: VersionSpecs;
  depsCacheDir: string;
  nodes: NodeService;
  /** Sleeping functions' last scaling decisions. */
  scalingHistory: ScalingHistory;
  /** The configured worker module that places invocations on nodes. */
  placement: Placement;
  /** Builds the execution pool (worker roles only). */
  createPool(): ExecutionPool;
  /** Builds the trigger service once a Temporal client exists (the registry's trigger kinds, looked up on each use). */
  createTriggers(deps: TriggerKindDeps): TriggerService;
  /** Builds the control of the scaler shard workflows (every registered scaling module). */
  createScalers(client: Client, taskQueue: string): Scalers;
  aliases: AliasService;
  /** Changes made on any process (a token revoked, a policy replaced) reach this one through it. */
  changes: ChangeFeed;
  policies: PolicyService;
  /** This process's cached reads of the policies, dropped on every change (function, scaling, runtime, trigger, observability). */
  policyCache: PolicyCache;
  /** The meta and task modules the function policy names, run on creates, updates and invocation requests. */
  extensions: PolicyExtensions;
  tokens: TokenService;
  audit: AuditService;
  /** The registered auth modules' factories. */
  authModule(id: string): AuthModuleFactory | undefined;
  dataDir: string;
  /** The Module Hub, read with the platform's read-only credential. */
  hub: HubClient;
  /** The modules installed from the hub, and what each process has loaded. */
  installed: InstalledModules;
  /** The module policy in force (trusted publisher keys, unsigned allowed, allowed ids). */
  modulePolicy(): Promise<ModulePolicy>;
}

/** Version specs whose code is on this node: unpacked from the object store the first time a version runs here. */
class LocalCodeSpecs extends VersionSpecs {
  constructor(reads: FunctionReads, private readonly artifacts: ArtifactStore) {
    super(reads);
  }

  override async get(functionName: string, version: number): Promise<FunctionVersionSpec> {
    return this.artifacts.localise(await super.get(functionName, version));
  }
}

/** The modules PyFaaS ships; each is registered like any third-party module would be. */
export function defaultRegistry(config: Config, logger: Logger): ModuleRegistry {
  return new ModuleRegistry({ logger, dataDir: config.dataDir })
    .register(python3Runtime)
    .register(nodejs20Runtime)
    .register(localPoolWorker)
    .register(warmFirstPlacement)
    .register(sharedQueuePlacement)
    .register(kpaScaling)
    .register(fixedScaling)
    .register(httpTrigger)
    .register(kafkaTrigger)
    .register(scheduleTrigger)
    .register(tokensAuth)
    .validate();
}

/** The worker module named by `worker.placement`; throws ModuleError when it places nothing. */
function placementModule(registry: ModuleRegistry, id: string): Placement {
  const placement = registry.get<Placement>('worker', id);
  if (typeof placement?.place !== 'function') throw new ModuleError(`Worker module ${JSON.stringify(id)} does not place invocations; set PYFAAS_PLACEMENT to warm-first or shared-queue.`);
  return placement;
}

export async function openPlatform(config: Config, logger: Logger): Promise<Platform> {
  const registry = defaultRegistry(config, logger);
  const runtime = (id: string): RuntimeModule => {
    if (!registry.has('runtime', id)) {
      throw new UnknownRuntimeError(`Unknown runtime ${JSON.stringify(id)}; available: ${registry.ids('runtime').join(', ')}.`);
    }
    return registry.get<RuntimeModule>('runtime', id);
  };
  const meta = await MetaStore.open(config.database.url, logger);
  const changes = new ChangeFeed(meta, logger);
  await changes.start();
  const functions = new FunctionService(meta, changes);
  const aliases = new AliasService(meta, functions, changes);
  const reads = new FunctionReads(functions, aliases, changes);
  const scalingHistory = new ScalingHistory(meta);
  const scalingModules = {
    module: (id: string) => (registry.has('scaling', id) ? registry.get<ScalingModule>('scaling', id) : undefined),
    moduleIds: () => registry.ids('scaling'),
    manifest: (id: string) => registry.find('scaling', id)?.manifest,
  };
  const extensions = new PolicyExtensions(registry, logger);
  const policies = new PolicyService(meta, changes)
    .register(MODULE_POLICY)
    .register(functionPolicy((policy) => {
      extensions.validate('meta', policy.metaChecks, 'metaChecks');
      extensions.validate('task', policy.taskChecks, 'taskChecks');
    }))
    .register(scalingPolicy((scaling, field) => validateScaling(scalingModules, scaling, field)))
    .register(runtimePolicy(() => registry.ids('runtime')))
    .register(TRIGGER_POLICY)
    .register(OBSERVABILITY_POLICY);
  const policyCache = new PolicyCache({ policies, changes, logger });
  const objects = await openObjectStore(config, logger);
  const artifacts = new ArtifactStore(path.join(config.dataDir, 'artifacts'), objects);
  // Every role applies the log level now and within a poll of each change.
  await policyCache.watch(OBSERVABILITY_POLICY.kind, logLevelApplier(logger));
  return {
    registry,
    runtime,
    meta,
    functions,
    artifacts,
    payloads: new PayloadStore(objects),
    objects,
    reads,
    specs: new LocalCodeSpecs(reads, artifacts),
    depsCacheDir: path.join(config.dataDir, 'deps-cache'),
    nodes: new NodeService(meta),
    scalingHistory,
    aliases,
    changes,
    policies,
    policyCache,
    extensions,
    dataDir: config.dataDir,
    hub: hubClientFor(config),
    installed: new InstalledModules(meta, changes),
    modulePolicy: async () => (await policies.get<ModulePolicy>('module')).value,
    tokens: new TokenService(meta, changes),
    audit: new AuditService(meta, logger),
    authModule: (id) => (registry.has('auth', id) ? registry.get<AuthModuleFactory>('auth', id) : undefined),
    placement: placementModule(registry, config.worker.placement),
    createPool() {
      const build = registry.get<(options: LocalPoolModuleOptions) => ExecutionPool>('worker', 'local-pool');
      const local = build({ runtimes: (id) => (registry.has('runtime', id) ? runtime(id) : undefined), idleTimeoutMs: config.pool.idleTimeoutMs });
      // Versions whose executor names a worker adapter run there; the rest in the local pool.
      return new AdaptingPool(local, registry, logger, async () => (await policyCache.get<FunctionPolicy>('function')).limits.executorEndpoints);
    },
    createScalers(client, taskQueue) {
      return new Scalers({
        client, taskQueue, history: scalingHistory, shards: config.scaling.shards, ...scalingModules,
      });
    },
    createTriggers(deps) {
      // Looked up on each use: a trigger kind installed from the hub later works without a restart.
      return new TriggerService({ store: meta, functions, kinds: registryTriggerKinds(registry, deps), policy: () => policyCache.get<TriggerPolicy>(TRIGGER_POLICY.kind), logger });
    },
  };
}
