import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { silentLogger } from '../../common/logger';
import { FUNCTION_KEY } from '../../contracts/search-attributes';
import { freePort } from '../../infra/ports';
import { ensureTemporalServer } from '../../infra/provision';
import type { ManagedProcess } from '../../infra/services/managed-process';
import { startTemporalPostgresServer, type TemporalPostgresServerOptions } from '../../infra/services/temporal-postgres-server';
import { SEARCH_ATTRIBUTES } from '../../infra/services/temporal-server';
import { startTemporalUiServer } from '../../infra/services/temporal-ui-server';
import { createPyFaaSWorker } from '../../process/worker';
import { REPO_DATA_DIR } from '../support/services';
import { eventually, startOwnPostgres } from '../support/temporal-server';
import { installTestRuntime } from '../support/temporal';

describe('startTemporalPostgresServer (the real Temporal server on PostgreSQL)', () => {
  let dir: string;
  let postgres: ManagedProcess | undefined;
  let options: TemporalPostgresServerOptions;
  let uiServer: string;

  beforeAll(async () => {
    installTestRuntime();
    const binaries = await ensureTemporalServer(REPO_DATA_DIR, silentLogger());
    uiServer = binaries.uiServer;
    dir = mkdtempSync(path.join(os.tmpdir(), 'temporal-server-'));
    const own = await startOwnPostgres(dir);
    postgres = own.postgres;
    options = {
      binaries, stateDir: path.join(dir, 'temporal'), logDir: dir, host: '127.0.0.1', port: await freePort(), namespace: 'pyfaas-test',
      historyShards: 2, postgres: { host: '127.0.0.1', port: own.port },
    };
  }, 15 * 60_000);

  afterAll(async () => {
    await postgres?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts on empty databases with the namespace, the search attributes, and runs a PyFaaS workflow', async () => {
    const server = await startTemporalPostgresServer(options, silentLogger());
    const address = `127.0.0.1:${options.port}`;
    const connection = await NativeConnection.connect({ address });
    try {
      const { namespaceInfo } = await connection.workflowService.describeNamespace({ namespace: options.namespace });
      expect(namespaceInfo?.name).toBe(options.namespace);
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: options.namespace });
      expect(Object.keys(customAttributes ?? {})).toEqual(expect.arrayContaining(Object.keys(SEARCH_ATTRIBUTES)));

      const taskQueue = `test-${randomUUID()}`;
      const worker = await createPyFaaSWorker({ connection, namespace: options.namespace, taskQueue, nodeId: 'node-a', logger: silentLogger() });
      const client = new Client({ connection, namespace: options.namespace });
      const fn = `fn-${randomUUID().slice(0, 8)}`;
      const result = await worker.runUntil(
        client.workflow.execute('pingWorker', { taskQueue, workflowId: `ping-${randomUUID()}`, args: ['hello'], typedSearchAttributes: [{ key: FUNCTION_KEY, value: fn }] }),
      );
      expect(result.message).toBe('hello');
      expect(result.worker.nodeId).toBe('node-a');
      // The search attribute reached PostgreSQL visibility: the workflow is found by it.
      await eventually(async () => {
        const { count } = await client.workflow.count(`PyFaaSFunction = '${fn}'`);
        expect(count).toBe(1);
      });
    } finally {
      await connection.close();
      await server.stop();
    }
  }, 5 * 60_000);

  it('serves the Web UI against the server: its API lists the namespace', async () => {
    const server = await startTemporalPostgresServer(options, silentLogger());
    const port = await freePort();
    const ui = await startTemporalUiServer(
      { binary: uiServer, stateDir: path.join(dir, 'ui'), logDir: dir, host: '127.0.0.1', port, frontendAddress: `127.0.0.1:${options.port}`, namespace: options.namespace },
      silentLogger(),
    );
    try {
      const response = await fetch(`http://127.0.0.1:${port}/api/v1/namespaces`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { namespaces: Array<{ namespaceInfo: { name: string } }> };
      expect(body.namespaces.map((ns) => ns.namespaceInfo.name)).toContain(options.namespace);
    } finally {
      await ui.stop();
      await server.stop();
    }
  }, 5 * 60_000);

  it('starts again on the same databases (the schema steps are idempotent) and keeps the history', async () => {
    const server = await startTemporalPostgresServer(options, silentLogger());
    const connection = await Connection.connect({ address: `127.0.0.1:${options.port}` });
    try {
      const client = new Client({ connection, namespace: options.namespace });
      const { count } = await client.workflow.count('WorkflowType = "pingWorker"');
      expect(count).toBe(1);
    } finally {
      await connection.close();
      await server.stop();
    }
  }, 5 * 60_000);
});
