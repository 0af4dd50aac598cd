import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { silentLogger, type Logger } from '../common/logger';
import { PACKAGE_ROOT } from '../common/paths';
import { loadConfig, type Config } from '../infra/config';
import { freePort } from '../infra/ports';
import { provision } from '../infra/provision';
import { startStack, type RunningStack } from '../infra/stack';
import { generateToken } from '../modules/auth/tokens';
import { startPyFaaS, type RunningPyFaaS } from '../process/serve';

/** The Python identity function every invoke benchmark calls. */
export const IDENTITY = { name: 'identity', runtime: 'python3', handler: 'main.handler', maxConcurrency: 64, code: { inline: 'def handler(event, context):\n    return event\n' } };

export interface BenchPlatform {
  stack: RunningStack;
  pyfaas: RunningPyFaaS;
  config: Config;
  api: string;
  token: string;
  /** POSTs JSON to the API (or `base`) with the admin token; throws on an error status or a failed invocation. */
  post(pathname: string, body: unknown, base?: string): Promise<any>;
  close(): Promise<void>;
}

/**
 * A Temporal dev server of its own (no Kafka, no PostgreSQL: SQLite meta store) and one
 * PyFaaS process in role `all` inside this process, logging nothing, with `identity` deployed.
 */
export async function startBenchPlatform(logger: Logger, env: Record<string, string> = {}): Promise<BenchPlatform> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pyfaas-bench-'));
  const provisioned = await provision(path.join(PACKAGE_ROOT, '.pyfaas'), { postgres: false, bubblewrap: true }, logger);
  const stack = await startStack({ stateDir: path.join(dataDir, 'stack'), host: '127.0.0.1', temporal: { port: await freePort(), namespace: 'default' } }, provisioned, logger);
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  const token = generateToken();
  const config = loadConfig({
    PYFAAS_DATA_DIR: dataDir,
    PYFAAS_API_PORT: String(await freePort()),
    PYFAAS_TEMPORAL_ADDRESS: stack.temporalAddress,
    PYFAAS_TASK_QUEUE: 'bench',
    PYFAAS_ADMIN_TOKEN: token,
    ...env,
  });
  const pyfaas = await startPyFaaS(config, silentLogger());
  const api = pyfaas.apiUrl!;
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const post = async (pathname: string, body: unknown, base = api) => {
    const response = await fetch(`${base}${pathname}`, { method: 'POST', headers, body: JSON.stringify(body) });
    const json = (await response.json()) as any;
    if (response.status >= 300 || (json.status && json.status !== 'succeeded' && json.status !== 'queued')) throw new Error(`${pathname}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  await post('/v1/functions', IDENTITY);
  const close = async () => {
    await pyfaas.close();
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { stack, pyfaas, config, api, token, post, close };
}
