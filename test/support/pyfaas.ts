import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../common/logger';
import { loadConfig } from '../../infra/config';
import { freePort } from '../../infra/ports';
import { ensureHubPlatformToken, startHubServer } from '../../infra/services/hub-server';
import type { ManagedProcess } from '../../infra/services/managed-process';
import { generateToken } from '../../modules/auth/tokens';
import { startPyFaaS, type RunningPyFaaS } from '../../process/serve';
import { testServices } from './services';
import { installTestRuntime } from './temporal';

export interface TestPyFaaS {
  running: RunningPyFaaS;
  url: string;
  dataDir: string;
  /** This instance's own invoke and dead-letter topics (other test files run their own bridges). */
  invokeTopic: string;
  deadLetterTopic: string;
  /** The PYFAAS_* variables it was started with: more nodes of the same platform start from them. */
  env: Record<string, string>;
  /** The bootstrap admin token (PYFAAS_ADMIN_TOKEN): `request` sends it unless told otherwise. */
  adminToken: string;
  /** The Module Hub of its own (`hub: true`), whose accounts are this instance's tokens. */
  hub?: TestHub;
  /**
   * Calls the API as the admin; `headers.authorization` replaces the admin token (an empty
   * value sends no credential at all).
   */
  request(method: string, pathname: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

export interface TestHub {
  url: string;
  /** The platform's read-only hub credential (`<dataDir>/hub/platform-token`). */
  platformToken: string;
  process: ManagedProcess;
}

/**
 * A PyFaaS process (role all) against the run's real Temporal, with a data dir, task queue
 * and meta database of its own: SQLite, or a fresh PostgreSQL database. With `hub: true`, a
 * real Verdaccio of its own too (in `<dataDir>/hub`), started first and wired to this API,
 * whose URL the process gets as PYFAAS_HUB_URL.
 */
export async function startTestPyFaaS(options: { database: 'sqlite' | 'postgres'; env?: Record<string, string>; hub?: boolean }): Promise<TestPyFaaS> {
  installTestRuntime();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pyfaas-it-'));
  const suffix = randomUUID().replace(/-/g, '').slice(0, 12);
  const databaseUrl =
    options.database === 'sqlite' ? `sqlite:${path.join(dataDir, 'meta.sqlite')}` : testServices().postgresUrl.replace(/\/[^/]+$/, `/it_${suffix}`);
  const env: Record<string, string> = {
    PYFAAS_DATA_DIR: dataDir,
    PYFAAS_API_PORT: String(await freePort()),
    PYFAAS_TEMPORAL_ADDRESS: testServices().temporalAddress,
    PYFAAS_TASK_QUEUE: `it-${suffix}`,
    PYFAAS_KAFKA_BROKERS: testServices().kafkaBrokers.join(','),
    PYFAAS_DATABASE_URL: databaseUrl,
    PYFAAS_NODE_ID: 'test-node',
    PYFAAS_KAFKA_INVOKE_TOPIC: `pyfaas.invoke.${suffix}`,
    PYFAAS_KAFKA_DEAD_LETTER_TOPIC: `pyfaas.dead-letter.${suffix}`,
    PYFAAS_BRIDGE_REFRESH_MS: '1000',
    PYFAAS_ADMIN_TOKEN: generateToken(),
    ...options.env,
  };
  let hub: TestHub | undefined;
  if (options.hub) {
    const port = await freePort();
    const dir = path.join(dataDir, 'hub');
    const hubProcess = await startHubServer(
      { dir, logDir: path.join(dataDir, 'logs'), host: '127.0.0.1', port, apiUrl: `http://127.0.0.1:${env.PYFAAS_API_PORT}` },
      silentLogger(),
    );
    hub = { url: `http://127.0.0.1:${port}`, platformToken: ensureHubPlatformToken(dir), process: hubProcess };
    Object.assign(env, { PYFAAS_HUB_PORT: String(port), PYFAAS_HUB_URL: hub.url });
  }
  const config = loadConfig(env);
  let running: RunningPyFaaS;
  try {
    running = await startPyFaaS(config, silentLogger());
  } catch (err) {
    await hub?.process.stop();
    throw err;
  }
  const url = running.apiUrl!;
  return {
    running,
    url,
    dataDir,
    env,
    invokeTopic: config.kafka.invokeTopic,
    deadLetterTopic: config.kafka.deadLetterTopic,
    adminToken: env.PYFAAS_ADMIN_TOKEN,
    hub,
    async request(method, pathname, body, headers = {}) {
      const sent: Record<string, string> = { authorization: `Bearer ${env.PYFAAS_ADMIN_TOKEN}`, ...headers };
      if (!sent.authorization) delete sent.authorization;
      const init: RequestInit = { method, headers: sent };
      if (body !== undefined) {
        init.body = typeof body === 'string' ? body : JSON.stringify(body);
        (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
      }
      const response = await fetch(`${url}${pathname}`, init);
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, body: parsed, headers: response.headers };
    },
    async close() {
      await running.close();
      await hub?.process.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A unique, valid function name for one test. */
export function functionName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Polls GET /v1/invocations/:id until the invocation leaves queued/running. */
export async function waitForInvocation(pyfaas: TestPyFaaS, invocationId: string, timeoutMs = 60_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await pyfaas.request('GET', `/v1/invocations/${invocationId}`);
    if (body.status !== 'queued' && body.status !== 'running') return body;
    if (Date.now() > deadline) throw new Error(`invocation ${invocationId} still ${body.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
