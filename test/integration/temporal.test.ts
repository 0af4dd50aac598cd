import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { SEARCH_ATTRIBUTES } from '../../infra/services/temporal-server';
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
