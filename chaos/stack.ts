import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../common/logger';
import { dataDirWithCachedTools, stackPorts } from '../infra/stack-dirs';
import type { ServicesStatusFile } from '../infra/services/supervised-status';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(REPO_ROOT, 'dist', 'cli', 'pyfaas.js');
const REPO_DATA_DIR = path.join(REPO_ROOT, '.pyfaas');

/** A `pyfaas up` of the chaos run's own: every service supervised, PostgreSQL as the meta store. */
export interface ChaosStack {
  apiUrl: string;
  adminToken: string;
  kafkaBrokers: string[];
  /** The supervisor's view of each service: pid and restarts, from run/services.json. */
  services(): ServicesStatusFile['services'];
  /** Everything `pyfaas up` printed. */
  output(): string;
  stop(): Promise<void>;
}

/** Provisions the repo's data dir once (cached), so each run's own data dir only links to its tools. */
function provisionTools(logger: Logger): void {
  logger.info('provisioning (cached after the first run)…');
  const result = spawnSync(process.execPath, [CLI, 'provision'], { env: { ...process.env, PYFAAS_DATA_DIR: REPO_DATA_DIR }, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`pyfaas provision failed (exit ${result.status})`);
}

/** `keep` leaves the data dir (every service's log is in its stack/logs) for a look afterwards. */
export async function startChaosStack(logger: Logger, keep = false): Promise<ChaosStack> {
  provisionTools(logger);
  const dataDir = dataDirWithCachedTools(REPO_DATA_DIR, 'pyfaas-chaos-');
  chmodSync(dataDir, 0o755); // PostgreSQL runs as its own user and must reach its cluster below
  const ports = await stackPorts();
  const env: NodeJS.ProcessEnv = { ...process.env, ...ports, PYFAAS_DATA_DIR: dataDir, PYFAAS_POSTGRES: 'true' };
  delete env.PYFAAS_ADMIN_TOKEN; // the stack makes its own, in <dataDir>/admin-token
  delete env.PYFAAS_DATABASE_URL;

  logger.info({ dataDir }, 'starting pyfaas up (Temporal, Kafka, PostgreSQL, PyFaaS)…');
  const child: ChildProcess = spawn(process.execPath, [CLI, 'up'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    if (keep) {
      writeFileSync(path.join(dataDir, 'up.log'), output);
      logger.info(`kept ${dataDir} (pyfaas up's output in up.log, each service's log in stack/logs)`);
    }
    else rmSync(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 180_000;
  while (!output.includes('PyFaaS is up')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`pyfaas up did not come up; the end of its output:\n${output.trim().split('\n').slice(-15).join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    apiUrl: `http://127.0.0.1:${ports.PYFAAS_API_PORT}`,
    adminToken: readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim(),
    kafkaBrokers: [`127.0.0.1:${ports.PYFAAS_KAFKA_PORT}`],
    services: () => (JSON.parse(readFileSync(path.join(dataDir, 'run', 'services.json'), 'utf8')) as ServicesStatusFile).services,
    output: () => output,
    stop,
  };
}
