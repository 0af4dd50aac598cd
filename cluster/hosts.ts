import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../common/logger';
import { ManagedProcess } from '../infra/services/managed-process';
import { readServicesStatus, type ServiceStatus } from '../infra/services/supervised-status';
import { HOST_A_PORTS, type HostAPlan } from './host-a-plan';
import { hostCommand, type TopologyHost } from './topology';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(REPO_ROOT, 'dist', 'cli', 'pyfaas.js');
export const API_PORT = 8080;

/** Starts `argv` on the host (its cgroup, its namespace) as a managed process logging to `logFile`. */
function startOnHost(name: string, host: TopologyHost, argv: string[], env: NodeJS.ProcessEnv, logFile: string, logger: Logger, rootMountNs?: string): ManagedProcess {
  const [command, ...args] = hostCommand(host, argv, rootMountNs);
  return ManagedProcess.start({ name, command, args, env, logFile, stopTimeoutMs: 20_000 }, logger);
}

/** Host A's supervisor, and what the PyFaaS hosts need to reach its services. */
export interface HostA {
  process: ManagedProcess;
  env: Record<string, string>;
  /** The supervisor's view of each service (pid, restarts). */
  services(): ServiceStatus[];
}

export async function startHostA(host: TopologyHost, plan: HostAPlan, logger: Logger, rootMountNs?: string): Promise<HostA> {
  mkdirSync(plan.dataDir, { recursive: true, mode: 0o755 });
  const logFile = path.join(plan.dataDir, 'host-a.log');
  const started = startOnHost('host-a', host, [process.execPath, path.join(__dirname, 'host-a.js')], { ...process.env, PYFAAS_CLUSTER_HOST_A: JSON.stringify(plan) }, logFile, logger, rootMountNs);
  const up = () => readServicesStatus(plan.dataDir)?.services ?? [];
  await started.waitUntilHealthy(async () => up().length === 4 && up().every((service) => service.state === 'running'), 240_000);
  const a = plan.address;
  return {
    process: started,
    services: up,
    env: {
      PYFAAS_TEMPORAL_ADDRESS: `${a}:${HOST_A_PORTS.temporal}`,
      PYFAAS_KAFKA_BROKERS: `${a}:${HOST_A_PORTS.kafka}`,
      PYFAAS_DATABASE_URL: `postgres://postgres@${a}:${HOST_A_PORTS.postgres}/pyfaas`,
      PYFAAS_OBJECT_STORE: 's3',
      PYFAAS_S3_ENDPOINT: `http://${a}:${HOST_A_PORTS.s3}`,
      PYFAAS_S3_BUCKET: plan.s3.bucket,
      PYFAAS_S3_ACCESS_KEY_ID: plan.s3.accessKeyId,
      PYFAAS_S3_SECRET_ACCESS_KEY: plan.s3.secretAccessKey,
    },
  };
}

export type PyFaaSRole = 'all' | 'api' | 'worker';

/** One PyFaaS host: `pyfaas serve` in its role, with a data dir of its own. */
export class PyFaaSHost {
  process?: ManagedProcess;
  readonly dataDir: string;

  constructor(
    readonly host: TopologyHost,
    readonly role: PyFaaSRole,
    private readonly env: Record<string, string>,
    private readonly baseDir: string,
    private readonly logger: Logger,
    private readonly rootMountNs?: string,
  ) {
    this.dataDir = path.join(baseDir, host.name);
  }

  get nodeId(): string {
    return `node-${this.host.name}`;
  }

  get apiUrl(): string | undefined {
    return this.role === 'worker' ? undefined : `http://${this.host.address}:${API_PORT}`;
  }

  /** Starts it and waits until it serves (`ready` tells; the API's /readyz by default). */
  async start(ready: () => Promise<boolean>): Promise<void> {
    mkdirSync(this.dataDir, { recursive: true });
    const env: NodeJS.ProcessEnv = {
      ...process.env, ...this.env,
      PYFAAS_ROLE: this.role, PYFAAS_NODE_ID: this.nodeId, PYFAAS_DATA_DIR: this.dataDir,
      PYFAAS_API_HOST: this.host.address, PYFAAS_API_PORT: String(API_PORT), PYFAAS_LOG_LEVEL: 'info',
    };
    this.process = startOnHost(`pyfaas-${this.host.name}`, this.host, [process.execPath, CLI, 'serve'], env, path.join(this.baseDir, `${this.host.name}.log`), this.logger, this.rootMountNs);
    await this.process.waitUntilHealthy(ready, 120_000);
  }

  /** SIGKILLs the process group, as a crash of the host's PyFaaS would. */
  async kill(): Promise<void> {
    await this.process?.kill();
  }

  async stop(): Promise<void> {
    await this.process?.stop();
  }
}
