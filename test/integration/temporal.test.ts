import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { freePort } from '../../infra/ports';
import { ManagedProcess } from '../../infra/services/managed-process';
import { temporalAnswers } from '../../infra/services/probes';
import { SEARCH_ATTRIBUTES, startTemporalServer } from '../../infra/services/temporal-server';
import { silentLogger } from '../../common/logger';
import { createPyFaaSWorker } from '../../process/worker';
import { testServices } from '../support/services';
import { installTestRuntime } from '../support/temporal';

describe('Temporal worker on the real dev server', () => {
  beforeAll(() => installTestRuntime());

  it('runs a workflow whose activity executes on the PyFaaS worker', async () => {
    const { temporalAddress } = testServices();
    const connection = await NativeConnection.connect({ address: temporalAddress });
    const taskQueue = `test-${randomUUID()}`;
    try {
      const worker = await createPyFaaSWorker({ connection, namespace: 'default', taskQueue, nodeId: 'node-a', logger: silentLogger() });
      const client = new Client({ connection, namespace: 'default' });
      const result = await worker.runUntil(
        client.workflow.execute('pingWorker', { taskQueue, workflowId: `ping-${randomUUID()}`, args: ['hello'] }),
      );
      expect(result.message).toBe('hello');
      expect(result.worker.nodeId).toBe('node-a');
      expect(result.worker.pid).toBe(process.pid);
    } finally {
      await connection.close();
    }
  });

  it('registered the PyFaaS search attributes on the server', async () => {
    const { temporalAddress } = testServices();
    const connection = await NativeConnection.connect({ address: temporalAddress });
    try {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      expect(Object.keys(customAttributes ?? {})).toEqual(expect.arrayContaining(Object.keys(SEARCH_ATTRIBUTES)));
    } finally {
      await connection.close();
    }
  });
});

describe('startTemporalServer on a database kept from an older PyFaaS', () => {
  it('adds the search attributes the database lacks', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'temporal-upgrade-'));
    const port = await freePort();
    const binary = testServices().temporalCli;
    try {
      // The old server: same database file, no PyFaaS search attributes.
      const old = ManagedProcess.start(
        { name: 'old-temporal', command: binary, args: ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--db-filename', path.join(dir, 'temporal.sqlite')], logFile: path.join(dir, 'old.log') },
        silentLogger(),
      );
      await old.waitUntilHealthy(() => temporalAnswers(`127.0.0.1:${port}`), 60_000);
      await old.stop();

      const server = await startTemporalServer({ binary, stateDir: dir, logDir: dir, host: '127.0.0.1', port, namespace: 'default' }, silentLogger());
      const connection = await Connection.connect({ address: `127.0.0.1:${port}` });
      try {
        const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
        expect(Object.keys(customAttributes ?? {})).toEqual(expect.arrayContaining(Object.keys(SEARCH_ATTRIBUTES)));
      } finally {
        await connection.close();
        await server.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
