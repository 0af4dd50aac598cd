import { createServer, type RequestListener, type Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createApp, createRouteGuard } from '../api';
import type { RouteSpec } from '../api/route';
import { apiRoutes } from '../api/routes';
import { temporalUiUrlOf } from '../api/routes/console';
import { ensureLambdaApiToken, lambdaApiMiddleware } from '../api/routes/lambda-access';
import { UnavailableError } from '../common/errors';
import type { Logger } from '../common/logger';
import type { Config } from '../infra/config';
import { temporalConnectionOptions } from '../infra/tls';
import { Deployer, type MetaStore } from '../modules/meta';
import { Rollouts } from '../modules/meta/rollouts';
import { SyncTurns } from '../modules/task/sync-turns';
import { Invoker } from '../modules/task/invoker';
import { taskAdmission } from '../modules/policy-extensions';
import type { FunctionPolicy } from '../modules/meta/policy-kinds';
import type { KafkaBridge } from '../modules/trigger/kafka';
import { createKafkaClient } from '../modules/trigger/kafka/kafka-client';
import { KafkaPublisher } from '../modules/trigger/kafka/publisher';
import type { TriggerService } from '../modules/trigger/service';
import type { ExecutionPool } from '../modules/worker';
import { createBridge } from './bridge';
import { KafkaHealth } from './kafka-health';
import { openPlatform, type Platform } from './platform';
import { Readiness } from './readiness';
import { supervisedServicesChecks } from './supervised-services';
import { nodeTaskQueue } from '../activities/placement';
import { startNodeHeartbeat } from './node-heartbeat';
import { createNodeWorker, createPyFaaSWorker } from './worker';
import { AuthGate } from '../modules/auth/gate';
import { AUTH_POLICY } from '../modules/auth/policy';
import { ensureAdminToken } from '../modules/auth/tokens';
import { startPayloadRetention } from '../modules/task/retention';
import { startStagingSweep } from '../modules/artifacts/artifact-store';
import { ModuleSync } from '../modules/hub/module-sync';
import { ModuleService } from '../modules/hub/service';
import { hubReadinessChecks } from '../modules/hub';
import { validateExecutor } from '../modules/worker/adapting-pool';
import { ProcessMetrics, serveMetrics } from '../modules/observability';
import { functionLogServices, type FunctionLogServices } from './function-logs';
import { OBSERVABILITY_POLICY, type ObservabilityPolicy } from '../modules/meta/policy-kinds';

export interface RunningPyFaaS {
  /** The API's base URL, when this process serves the API. */
  apiUrl?: string;
  client: Client;
  meta: MetaStore;
  platform: Platform;
  triggers: TriggerService;
  /** This process's Kafka bridge (bridge roles only). */
  bridge?: KafkaBridge;
  /** This process's execution pool (worker roles only). */
  pool?: ExecutionPool;
  /** Settles when the worker stops (rejects when it fails). */
  workerDone?: Promise<void>;
  /** Where the bootstrap admin token is (api roles). */
  adminTokenFile?: string;
  /** The route table this process serves (api roles). */
  routes?: RouteSpec[];
  /** This process's metrics (GET /metrics, and the metrics listener when metrics.port is set). */
  metrics: ProcessMetrics;
  /** The unauthenticated metrics listener's base URL, when metrics.port is set. */
  metricsUrl?: string;
  /** The function log: its writer (worker roles), and its store, followers and retention sweep (api roles). */
  functionLogs: FunctionLogServices;
  close(): Promise<void>;
}


async function connectTemporal<T>(address: string, connect: () => Promise<T>): Promise<T> {
  try {
    return await connect();
  } catch (err) {
    throw new UnavailableError(`Cannot reach Temporal at ${address} (${(err as Error).message}); start it with \`npm start\` or set PYFAAS_TEMPORAL_ADDRESS.`);
  }
}

/**
 * Starts the PyFaaS process in its configured role: `worker` polls Temporal and runs
 * functions, `api` serves HTTP, `bridge` turns Kafka records into invocations, `all` does
 * all three and shares the worker's NativeConnection with the client (which eager workflow
 * start needs). Whatever opened before a failure is closed again, in reverse order.
 */
export async function startPyFaaS(config: Config, logger: Logger): Promise<RunningPyFaaS> {
  const closers: Array<() => Promise<unknown>> = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch((err) => logger.warn({ err }, 'error while closing'));
    closers.length = 0;
  };
  try {
    const hasWorker = config.role === 'all' || config.role === 'worker';
    const hasApi = config.role === 'all' || config.role === 'api';
    const hasBridge = config.role === 'all' || config.role === 'bridge';
    const { address, namespace, taskQueue } = config.temporal;
    // One registry per process (per startPyFaaS: tests run several in one Node process).
    const metrics = new ProcessMetrics({ enabled: config.metrics.enabled, maxSeries: config.metrics.maxSeries, defaultLabels: { node: config.nodeId } });

    const platform = await openPlatform(config, logger);
    closers.push(() => platform.meta.close());
    closers.push(async () => platform.objects.close());
    closers.push(async () => platform.changes.close());
    const functionLogs = functionLogServices({ platform, metrics, logger, writer: hasWorker, reader: hasApi });
    closers.push(() => functionLogs.close());
    // Per-function metrics on/off: applied on every change, read per attempt without a query.
    const unwatchMetrics = await platform.policyCache.watch<ObservabilityPolicy>(OBSERVABILITY_POLICY.kind, (policy) => metrics.applyPolicy(policy));
    closers.push(async () => unwatchMetrics());
    metrics.observeNodes(async () => (await platform.nodes.alive()).length, logger);
    // Every role may store payloads; sweeping the same folder from several processes is safe.
    const retention = startPayloadRetention({ store: platform.payloads, logger, retentionMs: config.payloads.retentionMs });
    closers.push(() => retention.stop());
    // Every node may hold working copies of staging areas another node finished.
    const stagingSweep = startStagingSweep(platform.artifacts, logger);
    closers.push(() => stagingSweep.stop());
    // Installed hub modules load before any role serves: a restart comes back with the same modules.
    const moduleSync = new ModuleSync({
      registry: platform.registry, installed: platform.installed, changes: platform.changes, hub: platform.hub, dataDir: config.dataDir, roles: config.role, logger,
    });
    await moduleSync.start();
    closers.push(() => moduleSync.close());

    // Read before connecting: a missing certificate file is an InputError, not "cannot reach Temporal".
    const connectionOptions = temporalConnectionOptions(config.temporal);
    let client: Client;
    let native: NativeConnection | undefined;
    if (hasWorker) {
      const connection = await connectTemporal(address, () => NativeConnection.connect(connectionOptions));
      native = connection;
      closers.push(() => connection.close());
      client = new Client({ connection, namespace });
    } else {
      const connection = await connectTemporal(address, () => Connection.connect(connectionOptions));
      closers.push(() => connection.close());
      client = new Client({ connection, namespace });
    }
    const triggers = platform.createTriggers({ client, taskQueue, logger });
    const scalers = platform.createScalers(client, taskQueue);

    let workerDone: Promise<void> | undefined;
    let pool: ExecutionPool | undefined;
    if (native) {
      const workerPool = platform.createPool();
      pool = workerPool;
      closers.push(() => workerPool.close());
      const publisher = new KafkaPublisher(createKafkaClient({ brokers: config.kafka.brokers, clientId: `${config.kafka.clientId}-worker-${config.nodeId}`, logger }));
      closers.push(() => publisher.close());
      const workerDeps = {
        connection: native, namespace, taskQueue, nodeId: config.nodeId, logger, workflowTaskSlots: config.worker.workflowTaskSlots,
        platform: { platform, client, pool: workerPool, triggers, scalers, publisher, deadLetterTopic: config.kafka.deadLetterTopic, metrics: metrics.activities, functionLogs: functionLogs.writer },
      };
      metrics.observePool(workerPool);
      const worker = await createPyFaaSWorker(workerDeps);
      const nodeWorker = await createNodeWorker(workerDeps);
      workerDone = Promise.all([worker.run(), nodeWorker.run()]).then(() => undefined);
      closers.push(async () => {
        for (const w of [worker, nodeWorker]) if (w.getState() === 'RUNNING') w.shutdown();
        await workerDone?.catch(() => undefined);
      });
      // Announced once both workers poll; removed first on close, so placement stops choosing it.
      const stopHeartbeat = startNodeHeartbeat({
        nodes: platform.nodes, pool: workerPool, nodeId: config.nodeId, taskQueue: nodeTaskQueue(taskQueue, config.nodeId), capacity: config.worker.capacity, logger, metrics: metrics.heartbeats,
      });
      closers.push(stopHeartbeat);
      void scalers.retireLegacyScalers().then(
        (ended) => ended > 0 && logger.info({ ended }, 'ended the per-function scaleFunction workflows of an older version (the scaler shards replace them)'),
        (err) => logger.warn({ err }, 'could not look for per-function scaleFunction workflows of an older version'),
      );
    }

    let bridge: KafkaBridge | undefined;
    if (hasBridge) {
      const started = createBridge({ config, client, triggers, functions: platform.functions, payloads: platform.payloads, logger });
      bridge = started;
      await started.start();
      closers.push(() => started.stop());
      triggers.onChange(() => void started.refresh());
      metrics.observeBridge(() => started.status());
      closers.push(metrics.sampleKafkaLag(() => started.consumerLag(), config.metrics.kafkaLagIntervalMs, logger));
    }

    let apiUrl: string | undefined;
    let adminTokenFile: string | undefined;
    let served: RouteSpec[] | undefined;
    if (hasApi) {
      const gate = new AuthGate({
        module: platform.authModule, moduleIds: () => platform.registry.ids('auth'), manifest: (id) => platform.registry.find('auth', id)?.manifest,
        policies: platform.policies, changes: platform.changes, store: platform.meta, logger,
      });
      platform.policies.register({ ...AUTH_POLICY, check: (policy) => gate.check(policy) });
      await gate.start();
      closers.push(() => gate.close());
      const bootstrap = await ensureAdminToken({ tokens: platform.tokens, dataDir: config.dataDir, configuredToken: config.auth.adminToken, logger });
      adminTokenFile = bootstrap.file;
      if (bootstrap.created) logger.info({ file: bootstrap.file }, 'created the first admin token; it is in the file named here (mode 0600)');
      const kafkaHealth = new KafkaHealth(config.kafka.brokers, config.kafka.clientId);
      closers.push(() => kafkaHealth.close());
      const readiness = new Readiness({
        temporal: () => client.workflowService.getSystemInfo({}),
        kafka: () => kafkaHealth.check(),
        database: () => platform.meta.ping(),
        // A HEAD of a key never written: answers (absent) when the store is reachable and takes the credentials.
        objects: () => platform.objects.head('readyz-probe'),
        ...supervisedServicesChecks(config.dataDir),
        ...hubReadinessChecks(config),
      });
      const { functions, payloads, artifacts, runtime } = platform;
      const bodyLimitBytes = config.api.bodyLimitBytes;
      const { aliases } = platform;
      const syncTurns = hasWorker ? new SyncTurns({ inFlight: config.worker.workflowTaskSlots, queueLimit: config.api.syncQueueLimit }) : undefined;
      const admission = taskAdmission(platform.extensions, async () => (await platform.policyCache.get<FunctionPolicy>('function')).taskChecks);
      const invoker = new Invoker({ client, reads: platform.reads, payloads, taskQueue, eagerStart: hasWorker, syncTurns, admission });
      const deployer = new Deployer({
        client, taskQueue, functions, artifacts, runtime, scalers, logger, policies: platform.policyCache, extensions: platform.extensions,
        validateExecutor: (setting, allowed) => validateExecutor(platform.registry, setting, allowed),
      });
      const guard = createRouteGuard({ gate, audit: platform.audit, reads: platform.reads });
      const routes = apiRoutes({
        readiness, functions, deployer, scalers, invoker, aliases, triggers, logger, bodyLimitBytes, labelsOf: guard.labelsOf,
        nodes: platform.nodes, rollouts: new Rollouts({ client, taskQueue, functions, aliases }), bridgeStatus: bridgeStatus(bridge),
        tokens: platform.tokens, authPolicy: () => gate.current(), audit: platform.audit, policies: platform.policies,
        modules: new ModuleService({ client, taskQueue, registry: platform.registry, installed: platform.installed, store: platform.meta }), hub: platform.hub,
        metrics, functionLogs: functionLogs.api,
        console: { temporalUiUrl: temporalUiUrlOf(address, config.stack.temporalUiPort, config.temporal.uiUrl), temporalNamespace: namespace },
      });
      await ensureLambdaApiToken({ tokens: platform.tokens, token: config.api.lambdaApiToken, logger });
      const app = createApp({ logger, routes, guard, bodyLimitBytes, middleware: [lambdaApiMiddleware({ token: config.api.lambdaApiToken, logger })], metrics: metrics.http });
      served = routes;
      const server = await listen(app.callback(), config.api.host, config.api.port);
      closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
      closers.push(async () => server.closeAllConnections());
      apiUrl = `http://${config.api.host}:${config.api.port}`;
    }
    let metricsUrl: string | undefined;
    if (config.metrics.port !== undefined) {
      const { host, port } = config.metrics;
      const metricsServer = await serveMetrics(metrics, host, port, logger);
      closers.push(() => new Promise<void>((resolve) => metricsServer.close(() => resolve())));
      closers.push(async () => metricsServer.closeAllConnections());
      metricsUrl = `http://${host}:${port}`;
    }
    logger.info({ role: config.role, apiUrl, metricsUrl, metrics: config.metrics.enabled, temporal: address, taskQueue, nodeId: config.nodeId }, 'PyFaaS started');
    return { apiUrl, client, meta: platform.meta, platform, triggers, bridge, pool, workerDone, adminTokenFile, routes: served, metrics, metricsUrl, functionLogs, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

function bridgeStatus(bridge: KafkaBridge | undefined) {
  return bridge ? () => bridge.status() : undefined;
}

function listen(handler: RequestListener, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(handler);
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new UnavailableError(`Port ${port} (API) is already in use; set PYFAAS_API_PORT to another port.`) : err),
    );
    server.listen(port, host, () => resolve(server));
  });
}
