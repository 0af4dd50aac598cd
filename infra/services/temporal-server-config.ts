import type { TemporalClientTls } from '../tls/temporal-connection';
import { TUNED_DYNAMIC_CONFIG } from './temporal-server';

/** The databases server mode keeps on the stack's PostgreSQL. */
export const TEMPORAL_DATABASES = { main: 'temporal', visibility: 'temporal_visibility' } as const;

/** The ports of the four services in one server process: gRPC and membership (ringpop) each; the frontend's gRPC is the stack's Temporal port. */
export interface TemporalServerPorts {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
}

/** The frontend's TLS (config `stack.temporalTls`): with clientCa, clients must present a certificate it signed. */
export interface TemporalFrontendTls {
  cert: string;
  key: string;
  clientCa?: string;
}

export interface TemporalServerConfigOptions {
  host: string;
  ports: TemporalServerPorts;
  /**
   * History shards (config stack.temporalHistoryShards, default 4). A workflow lives on one
   * shard for good; each shard owns its workflows' writes and has its own transfer and timer
   * queue readers; the count is fixed when the database is set up (Temporal refuses to start on
   * a database made with another count). One shard (the dev server) serialises all writes and
   * caps every per-shard limit; 4 lets a one-node cluster write to PostgreSQL in parallel on a
   * small machine while keeping the idle cost (each shard's queue readers and shard-row
   * updates) low, and still spreads over up to 4 history hosts. A cluster meant to grow to many
   * history hosts should start with more (Temporal suggests 512 for a small production
   * cluster), before its first start.
   */
  historyShards: number;
  postgres: { host: string; port: number; user: string; password?: string };
  dynamicConfigFile: string;
  /**
   * Frontend TLS, and how the server's own system worker (which runs schedules, batch and
   * namespace deletion against the frontend) reaches it: the same settings PyFaaS's clients use.
   */
  tls?: { frontend: TemporalFrontendTls; client: TemporalClientTls };
}

function datastore(options: TemporalServerConfigOptions, databaseName: string, maxConns: number) {
  const { host, port, user, password } = options.postgres;
  return {
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${host}:${port}`,
      connectProtocol: 'tcp',
      user,
      password: password ?? '',
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  };
}

function service(options: TemporalServerConfigOptions, grpcPort: number, membershipPort: number, extra: Record<string, unknown> = {}) {
  return { rpc: { grpcPort, membershipPort, bindOnIP: options.host, ...extra } };
}

function tlsSection(tls: NonNullable<TemporalServerConfigOptions['tls']>, host: string) {
  const { frontend, client } = tls;
  const serverName = client.serverName ?? host;
  // No CA given: the server's certificate is one the system trusts; still speak TLS.
  const clientTls = client.ca ? { serverName, rootCaFiles: [client.ca] } : { serverName, forceTLS: true };
  return {
    frontend: {
      server: {
        certFile: frontend.cert,
        keyFile: frontend.key,
        requireClientAuth: frontend.clientCa !== undefined,
        ...(frontend.clientCa ? { clientCaFiles: [frontend.clientCa] } : {}),
      },
      client: clientTls,
    },
    systemWorker: {
      ...(client.cert && client.key ? { certFile: client.cert, keyFile: client.key } : {}),
      client: clientTls,
    },
  };
}

/**
 * The server's static config (modelled on the release's config/development-postgres12.yaml):
 * all four services in one process on `host`, persistence and visibility on PostgreSQL 12+,
 * no archival, metrics or pprof listeners. JSON, which the server's YAML loader reads as is.
 */
export function temporalServerConfig(options: TemporalServerConfigOptions): Record<string, unknown> {
  const { host, ports } = options;
  // A wildcard bind has no address to announce to the other services.
  const broadcastAddress = host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: options.historyShards,
      datastores: {
        // Each of the four services opens its own pools: 4 × 20 + 3 × 5 connections at most,
        // well inside the stack PostgreSQL's max_connections=200 beside PyFaaS's own.
        'postgres-default': datastore(options, TEMPORAL_DATABASES.main, 20),
        'postgres-visibility': datastore(options, TEMPORAL_DATABASES.visibility, 5),
      },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress },
      ...(options.tls ? { tls: tlsSection(options.tls, host) } : {}),
    },
    services: {
      frontend: service(options, ports.frontend, ports.frontendMembership, { httpPort: ports.frontendHttp }),
      matching: service(options, ports.matching, ports.matchingMembership),
      history: service(options, ports.history, ports.historyMembership),
      worker: service(options, ports.worker, ports.workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `${broadcastAddress}:${ports.frontend}` } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: options.dynamicConfigFile, pollInterval: '10s' },
  };
}

/** The dynamic config file: the dev server's tuning (TUNED_DYNAMIC_CONFIG), each key unconstrained. */
export function temporalDynamicConfig(): Record<string, Array<{ value: number | boolean }>> {
  return Object.fromEntries(Object.entries(TUNED_DYNAMIC_CONFIG).map(([key, value]) => [key, [{ value }]]));
}
