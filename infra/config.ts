import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { InputError } from '../common/errors';

const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().positive();
const bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')]);
const onOff = z.union([z.boolean(), z.enum(['on', 'off', 'true', 'false', '1', '0']).transform((v) => v === 'on' || v === 'true' || v === '1')]);

/** `all` is api + worker + bridge in one process (the embedded default). */
export const ROLES = ['all', 'api', 'worker', 'bridge'] as const;
export type Role = (typeof ROLES)[number];

const schema = z
  .object({
    role: z.enum(ROLES).default('all'),
    /** This process's name among worker nodes (placement, logs). */
    nodeId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a lowercase DNS label').default(defaultNodeId()),
    dataDir: z.string().min(1).default(path.resolve('.pyfaas')),
    log: z.object({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      pretty: bool.default(false),
    }).default({}),
    api: z.object({
      host: z.string().min(1).default('127.0.0.1'),
      port: port.default(8080),
      bodyLimitBytes: positiveInt.default(6 * 1024 * 1024),
      /** Sync invocations that may wait for a workflow task slot here (see worker.workflowTaskSlots); beyond them, 503 OVERLOADED. */
      syncQueueLimit: positiveInt.default(1000),
      /**
       * A `pyf_…` token the Lambda-compatible invoke API (/2015-03-31/…) uses for requests that
       * carry no bearer token (AWS tools that sign with SigV4 or send nothing); stored as an
       * invoker token at start. Unset (the default), such requests are refused.
       */
      lambdaApiToken: z.string().min(1).optional(),
    }).default({}),
    temporal: z.object({
      address: z.string().regex(/^[^\s:]+:\d+$/, 'must be host:port').default('127.0.0.1:7233'),
      namespace: z.string().min(1).default('default'),
      taskQueue: z.string().min(1).default('pyfaas'),
      /** The Temporal Web UI as a browser reaches it (the console links each invocation there); unset, http://<address host>:<stack.temporalUiPort>. */
      uiUrl: z.string().regex(/^https?:\/\/\S+$/, 'must be an http(s) URL').optional(),
      /** TLS to the frontend, for every connection this process makes (see infra/tls/temporal-connection.ts); PEM file paths. */
      tls: z.object({
        /** On with no file: the server's certificate is checked against the system's CAs. Default: on when ca or cert is set. */
        enabled: onOff.optional(),
        ca: z.string().min(1).optional(),
        /** With key: this client's certificate, for a frontend that requires client certificates (mTLS). */
        cert: z.string().min(1).optional(),
        key: z.string().min(1).optional(),
        serverName: z.string().min(1).optional(),
      }).default({}).superRefine(bothOrNeither('cert', 'key')),
    }).default({}),
    kafka: z.object({
      brokers: z.array(z.string().regex(/^[^\s:]+:\d+$/, 'must be host:port')).min(1).default(['127.0.0.1:9092']),
      clientId: z.string().min(1).default('pyfaas'),
      /** Any producer may send `{function, event, idempotencyKey?}` here to invoke asynchronously. */
      invokeTopic: z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, 'must be a Kafka topic name').default('pyfaas.invoke'),
      /** Records the bridge cannot start and invocation records no destination took. */
      deadLetterTopic: z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, 'must be a Kafka topic name').default('pyfaas.dead-letter'),
    }).default({}),
    bridge: z.object({
      /** How often the bridge reads the Kafka triggers again (changes made in this process apply at once). */
      refreshMs: positiveInt.default(5000),
    }).default({}),
    payloads: z.object({
      /** Large payloads (events, results) are removed this long after they were last written: longer than any invocation lives. */
      retentionMs: positiveInt.default(24 * 60 * 60_000),
    }).default({}),
    /** Where artifacts and large payloads live (modules/objects): nothing a node needs stays only on another node's disk. */
    objects: z.object({
      /** `local` (a directory: the embedded default, or one every node mounts) or `s3` (any S3 API server). */
      store: z.enum(['local', 's3']).default('local'),
      /** The local store's directory; unset, `<dataDir>/objects`. */
      dir: z.string().min(1).optional(),
      s3: z.object({
        /** e.g. http://10.0.0.5:7070; unset, AWS S3 for `region`. */
        endpoint: z.string().regex(/^https?:\/\/\S+$/, 'must be an http(s) URL').optional(),
        bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name').default('pyfaas'),
        region: z.string().min(1).default('us-east-1'),
        /** Unset (with the secret), the AWS SDK's default credential chain. */
        accessKeyId: z.string().min(1).optional(),
        secretAccessKey: z.string().min(1).optional(),
        /** Files holding the key id / secret (a mounted secret); read when the store opens. */
        accessKeyIdFile: z.string().min(1).optional(),
        secretAccessKeyFile: z.string().min(1).optional(),
        /** Path-style URLs (endpoint/bucket/key), which self-hosted servers such as versitygw expect. */
        forcePathStyle: bool.default(true),
      }).default({}),
      cache: z.object({
        /** The per-node read cache of the S3 store; unset, `<dataDir>/object-cache`. */
        dir: z.string().min(1).optional(),
        /** Bytes it may hold (least recently used evicted first). */
        maxBytes: positiveInt.default(1024 * 1024 * 1024),
      }).default({}),
    }).default({}),
    scaling: z.object({
      /**
       * Scaler shard workflows the functions are spread over (every process must agree). One
       * evaluates all awake functions together each tick; its continue-as-new carries their
       * sample windows, so past a few hundred functions awake at once, spread them over more.
       */
      shards: positiveInt.max(64).default(1),
    }).default({}),
    pool: z.object({
      /** A warm instance idle this long is stopped (unless the scaler keeps it). */
      idleTimeoutMs: positiveInt.default(10 * 60_000),
    }).default({}),
    worker: z.object({
      /** The worker module that places invocations on nodes: `warm-first` or `shared-queue`. */
      placement: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a worker module id').default('warm-first'),
      /** Most warm instances this node keeps (placement and the scaler respect it). */
      capacity: positiveInt.default(64),
      /**
       * Workflow tasks this node runs at once (the SDK's default). In role `all` it is also how
       * many sync invocations start at once, each eagerly on this node; the rest wait their turn,
       * first come first served, instead of queueing in Temporal, where eager starts overtake them.
       */
      // At least 2: with one slot the SDK's sticky and normal pollers wait on each other and nothing runs (seen here).
      workflowTaskSlots: z.coerce.number().int().min(2).default(40),
    }).default({}),
    metrics: z.object({
      /** Prometheus metrics (PYFAAS_METRICS=off: nothing is recorded and /metrics is empty). */
      enabled: onOff.default(true),
      /**
       * Set, a listener on this port serves `GET /metrics` without credentials (for a Prometheus
       * server on a trusted network; the only way to scrape a worker- or bridge-only process).
       * Unset, metrics are at the API's `GET /metrics` with the `metrics:read` permission only.
       */
      port: port.optional(),
      /** Where the metrics listener binds (loopback unless the operator opens it). */
      host: z.string().min(1).default('127.0.0.1'),
      /** Function@version pairs (and Kafka triggers) with series of their own in this process; the rest count as `_other`. */
      maxSeries: positiveInt.max(100_000).default(500),
      /** Set, the Temporal SDK Core's own Prometheus exporter (`temporal_*`) listens on this port (bound to `host`); unset, it is off. */
      temporalPort: port.optional(),
      /** How often the bridge role samples its Kafka triggers' consumer lag from the cluster. */
      kafkaLagIntervalMs: positiveInt.min(100).max(600_000).default(5000),
    }).default({}),
    auth: z.object({
      /** A `pyf_…` token to ensure as the bootstrap admin token (else the first start makes one and writes it to <dataDir>/admin-token). */
      adminToken: z.string().min(1).optional(),
    }).default({}),
    hub: z.object({
      /**
       * The Module Hub (the npm registry) this process reads. Set (as `pyfaas up` sets it for
       * its PyFaaS process), /readyz reports the hub's health; unset, the hub is looked for at
       * http://127.0.0.1:<stack.hubPort> and /readyz leaves it out.
       */
      url: z.string().regex(/^https?:\/\/[^\s/]+\/?$/, 'must be http(s)://host:port').optional(),
      /** The platform's read-only hub credential; unset, the one in <dataDir>/hub/platform-token. */
      token: z.string().min(1).optional(),
    }).default({}),
    database: z.object({
      /** `sqlite:<path>` (the embedded default) or `postgres://…`. Empty means `<dataDir>/meta.sqlite`. */
      url: z.string().regex(/^(sqlite:|postgres(ql)?:\/\/)/, 'must start with sqlite: or postgres://').optional(),
    }).default({}),
    /** What `pyfaas up` starts, and where. */
    stack: z.object({
      /** `dev`: the Temporal CLI's dev server on SQLite (the embedded default); `server`: the real Temporal server on the stack's PostgreSQL. */
      temporal: z.enum(['dev', 'server']).default('dev'),
      /**
       * History shards of a server-mode cluster, fixed when its database is first set up (a
       * later start with another count is refused by Temporal). See infra/services/temporal-server-config.ts.
       */
      temporalHistoryShards: positiveInt.max(16384).default(4),
      /** Server mode: the frontend's TLS certificate and key; with clientCa, clients must present a certificate it signed (mTLS). */
      temporalTls: z.object({
        cert: z.string().min(1).optional(),
        key: z.string().min(1).optional(),
        clientCa: z.string().min(1).optional(),
      }).default({}).superRefine(bothOrNeither('cert', 'key')).superRefine((tls, ctx) => {
        if (tls.clientCa && !tls.cert) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['cert'], message: 'must be set when clientCa is (client certificates are checked only on a TLS frontend)' });
      }),
      temporalPort: port.default(7233),
      temporalUiPort: port.default(8233),
      kafkaPort: port.default(9092),
      kafkaControllerPort: port.default(9093),
      postgres: bool.default(false),
      postgresPort: port.default(5433),
      /** The Module Hub (Verdaccio). */
      hubPort: port.default(4873),
    }).default({}),
  })
  .strict();

/** A refinement: `a` and `b` are both set or both unset (a certificate and its key). */
function bothOrNeither(a: string, b: string) {
  return (value: Record<string, unknown>, ctx: z.RefinementCtx) => {
    if ((value[a] === undefined) !== (value[b] === undefined)) {
      const missing = value[a] === undefined ? a : b;
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: [missing], message: `must be set together with ${missing === a ? b : a}` });
    }
  };
}

function defaultNodeId(): string {
  const label = os.hostname().toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63);
  return label || 'node';
}

type Parsed = z.infer<typeof schema>;
export type Config = Readonly<Omit<Parsed, 'database'> & { database: { url: string } }>;

/** Environment variables and the config path each sets. */
export const ENV_VARS: Record<string, string> = {
  PYFAAS_ROLE: 'role',
  PYFAAS_NODE_ID: 'nodeId',
  PYFAAS_DATA_DIR: 'dataDir',
  PYFAAS_LOG_LEVEL: 'log.level',
  PYFAAS_LOG_PRETTY: 'log.pretty',
  PYFAAS_API_HOST: 'api.host',
  PYFAAS_API_PORT: 'api.port',
  PYFAAS_API_BODY_LIMIT_BYTES: 'api.bodyLimitBytes',
  PYFAAS_API_SYNC_QUEUE_LIMIT: 'api.syncQueueLimit',
  PYFAAS_LAMBDA_API_TOKEN: 'api.lambdaApiToken',
  PYFAAS_TEMPORAL_ADDRESS: 'temporal.address',
  PYFAAS_TEMPORAL_NAMESPACE: 'temporal.namespace',
  PYFAAS_TASK_QUEUE: 'temporal.taskQueue',
  PYFAAS_TEMPORAL_UI_URL: 'temporal.uiUrl',
  PYFAAS_TEMPORAL_TLS: 'temporal.tls.enabled',
  PYFAAS_TEMPORAL_TLS_CA: 'temporal.tls.ca',
  PYFAAS_TEMPORAL_TLS_CERT: 'temporal.tls.cert',
  PYFAAS_TEMPORAL_TLS_KEY: 'temporal.tls.key',
  PYFAAS_TEMPORAL_TLS_SERVER_NAME: 'temporal.tls.serverName',
  PYFAAS_KAFKA_BROKERS: 'kafka.brokers',
  PYFAAS_KAFKA_CLIENT_ID: 'kafka.clientId',
  PYFAAS_KAFKA_INVOKE_TOPIC: 'kafka.invokeTopic',
  PYFAAS_KAFKA_DEAD_LETTER_TOPIC: 'kafka.deadLetterTopic',
  PYFAAS_BRIDGE_REFRESH_MS: 'bridge.refreshMs',
  PYFAAS_ADMIN_TOKEN: 'auth.adminToken',
  PYFAAS_METRICS: 'metrics.enabled',
  PYFAAS_METRICS_PORT: 'metrics.port',
  PYFAAS_METRICS_HOST: 'metrics.host',
  PYFAAS_METRICS_MAX_SERIES: 'metrics.maxSeries',
  PYFAAS_TEMPORAL_METRICS_PORT: 'metrics.temporalPort',
  PYFAAS_METRICS_KAFKA_LAG_INTERVAL_MS: 'metrics.kafkaLagIntervalMs',
  PYFAAS_DATABASE_URL: 'database.url',
  PYFAAS_POOL_IDLE_TIMEOUT_MS: 'pool.idleTimeoutMs',
  PYFAAS_SCALER_SHARDS: 'scaling.shards',
  PYFAAS_PAYLOAD_RETENTION_MS: 'payloads.retentionMs',
  PYFAAS_PLACEMENT: 'worker.placement',
  PYFAAS_OBJECT_STORE: 'objects.store',
  PYFAAS_OBJECT_DIR: 'objects.dir',
  PYFAAS_S3_ENDPOINT: 'objects.s3.endpoint',
  PYFAAS_S3_BUCKET: 'objects.s3.bucket',
  PYFAAS_S3_REGION: 'objects.s3.region',
  PYFAAS_S3_ACCESS_KEY_ID: 'objects.s3.accessKeyId',
  PYFAAS_S3_SECRET_ACCESS_KEY: 'objects.s3.secretAccessKey',
  PYFAAS_S3_ACCESS_KEY_ID_FILE: 'objects.s3.accessKeyIdFile',
  PYFAAS_S3_SECRET_ACCESS_KEY_FILE: 'objects.s3.secretAccessKeyFile',
  PYFAAS_S3_FORCE_PATH_STYLE: 'objects.s3.forcePathStyle',
  PYFAAS_OBJECT_CACHE_DIR: 'objects.cache.dir',
  PYFAAS_OBJECT_CACHE_MAX_BYTES: 'objects.cache.maxBytes',
  PYFAAS_NODE_CAPACITY: 'worker.capacity',
  PYFAAS_WORKFLOW_TASK_SLOTS: 'worker.workflowTaskSlots',
  PYFAAS_TEMPORAL: 'stack.temporal',
  PYFAAS_TEMPORAL_HISTORY_SHARDS: 'stack.temporalHistoryShards',
  PYFAAS_TEMPORAL_SERVER_TLS_CERT: 'stack.temporalTls.cert',
  PYFAAS_TEMPORAL_SERVER_TLS_KEY: 'stack.temporalTls.key',
  PYFAAS_TEMPORAL_SERVER_TLS_CLIENT_CA: 'stack.temporalTls.clientCa',
  PYFAAS_TEMPORAL_PORT: 'stack.temporalPort',
  PYFAAS_TEMPORAL_UI_PORT: 'stack.temporalUiPort',
  PYFAAS_KAFKA_PORT: 'stack.kafkaPort',
  PYFAAS_KAFKA_CONTROLLER_PORT: 'stack.kafkaControllerPort',
  PYFAAS_POSTGRES: 'stack.postgres',
  PYFAAS_POSTGRES_PORT: 'stack.postgresPort',
  PYFAAS_HUB_PORT: 'stack.hubPort',
  PYFAAS_HUB_URL: 'hub.url',
  PYFAAS_HUB_TOKEN: 'hub.token',
};
const LIST_PATHS = new Set(['kafka.brokers']);

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = value;
}

function readConfigFile(file: string): Record<string, unknown> {
  if (!existsSync(file)) throw new InputError(`Invalid configuration: the config file ${file} (PYFAAS_CONFIG) does not exist.`);
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
    return parsed as Record<string, unknown>;
  } catch (err) {
    throw new InputError(`Invalid configuration: ${file} is not a JSON object (${(err as Error).message}).`);
  }
}

function describeIssue(issue: z.ZodIssue, raw: Record<string, unknown>): string {
  const dotted = issue.path.join('.');
  const envName = Object.entries(ENV_VARS).find(([, p]) => p === dotted || dotted.startsWith(`${p}.`))?.[0];
  const where = envName ? `${envName} (${dotted})` : dotted || 'the configuration';
  const got = issue.path.reduce<unknown>((node, key) => (node as Record<string | number, unknown> | undefined)?.[key], raw);
  const shown = got === undefined ? '' : ` (got ${JSON.stringify(got)})`;
  return `${where} ${issue.message.toLowerCase()}${shown}`;
}

/**
 * Parses the configuration once: defaults, then the JSON file named by PYFAAS_CONFIG,
 * then PYFAAS_* environment variables. Throws InputError with one sentence naming every
 * bad value; the result is frozen.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, unknown> = env.PYFAAS_CONFIG ? readConfigFile(env.PYFAAS_CONFIG) : {};
  for (const [name, dotted] of Object.entries(ENV_VARS)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    setPath(raw, dotted, LIST_PATHS.has(dotted) ? value.split(',').map((s) => s.trim()).filter(Boolean) : value);
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    throw new InputError(`Invalid configuration: ${result.error.issues.map((issue) => describeIssue(issue, raw)).join('; ')}.`);
  }
  const parsed = result.data;
  const dataDir = path.resolve(parsed.dataDir);
  const url = parsed.database.url ?? `sqlite:${path.join(dataDir, 'meta.sqlite')}`;
  return deepFreeze({ ...parsed, dataDir, database: { url } });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
