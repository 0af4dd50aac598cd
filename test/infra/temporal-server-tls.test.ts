import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { silentLogger } from '../../common/logger';
import { freePort } from '../../infra/ports';
import { ensureTemporalServer } from '../../infra/provision';
import type { ManagedProcess } from '../../infra/services/managed-process';
import { startTemporalPostgresServer } from '../../infra/services/temporal-postgres-server';
import { generateDevCerts, type DevCerts } from '../../infra/tls/dev-certs';
import { temporalConnectionOptions, type TemporalClientTls } from '../../infra/tls/temporal-connection';
import { createPyFaaSWorker } from '../../process/worker';
import { REPO_DATA_DIR } from '../support/services';
import { installTestRuntime } from '../support/temporal';
import { startOwnPostgres } from '../support/temporal-server';

describe('the Temporal server with mTLS on its frontend', () => {
  let dir: string;
  let postgres: ManagedProcess | undefined;
  let server: ManagedProcess | undefined;
  let certs: DevCerts;
  let address: string;
  let clientTls: TemporalClientTls;

  beforeAll(async () => {
    installTestRuntime();
    const binaries = await ensureTemporalServer(REPO_DATA_DIR, silentLogger());
    dir = mkdtempSync(path.join(os.tmpdir(), 'temporal-mtls-'));
    certs = await generateDevCerts({ outDir: path.join(dir, 'certs'), hosts: ['temporal.test'] }, silentLogger());
    const own = await startOwnPostgres(dir);
    postgres = own.postgres;
    const port = await freePort();
    address = `127.0.0.1:${port}`;
    clientTls = { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey };
    server = await startTemporalPostgresServer(
      {
        binaries, stateDir: path.join(dir, 'temporal'), logDir: dir, host: '127.0.0.1', port, namespace: 'default', historyShards: 1,
        postgres: { host: '127.0.0.1', port: own.port },
        tls: { frontend: { cert: certs.serverCert, key: certs.serverKey, clientCa: certs.ca }, client: clientTls },
      },
      silentLogger(),
    );
  }, 15 * 60_000);

  afterAll(async () => {
    await server?.stop();
    await postgres?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function systemInfo(options: Parameters<typeof Connection.connect>[0]): Promise<unknown> {
    const connection = await Connection.connect({ ...options, connectTimeout: 5000 });
    try {
      return await connection.workflowService.getSystemInfo({});
    } finally {
      await connection.close();
    }
  }

  it('refuses a client without a certificate, and one that does not speak TLS', async () => {
    // The server answers the right client at this moment, so the refusals below are the TLS's.
    await expect(systemInfo(temporalConnectionOptions({ address, tls: clientTls }))).resolves.toBeDefined();
    const serverRootCACertificate = readFileSync(certs.ca);
    await expect(systemInfo({ address, tls: { serverRootCACertificate } })).rejects.toThrow();
    await expect(systemInfo({ address })).rejects.toThrow();
  });

  it('refuses a client certificate from another CA', async () => {
    const other = await generateDevCerts({ outDir: path.join(dir, 'other-certs'), hosts: [] }, silentLogger());
    await expect(systemInfo(temporalConnectionOptions({ address, tls: { ca: certs.ca, cert: other.clientCert, key: other.clientKey } }))).rejects.toThrow();
  });

  it('serves a client with the generated certificate, and a worker runs a PyFaaS workflow over mTLS', async () => {
    await expect(systemInfo(temporalConnectionOptions({ address, tls: clientTls }))).resolves.toBeDefined();
    // The certificate names temporal.test too: a client that dials by that name is served.
    await expect(systemInfo(temporalConnectionOptions({ address, tls: { ...clientTls, serverName: 'temporal.test' } }))).resolves.toBeDefined();
    const connection = await NativeConnection.connect(temporalConnectionOptions({ address, tls: clientTls }));
    try {
      const taskQueue = `test-${randomUUID()}`;
      const worker = await createPyFaaSWorker({ connection, namespace: 'default', taskQueue, nodeId: 'node-tls', logger: silentLogger() });
      const client = new Client({ connection, namespace: 'default' });
      const result = await worker.runUntil(client.workflow.execute('pingWorker', { taskQueue, workflowId: `ping-${randomUUID()}`, args: ['over mtls'] }));
      expect(result.message).toBe('over mtls');
      expect(result.worker.nodeId).toBe('node-tls');
    } finally {
      await connection.close();
    }
  }, 120_000);
});
