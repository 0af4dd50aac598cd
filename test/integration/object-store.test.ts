import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { silentLogger } from '../../common/logger';
import { startVersitygw, type Versitygw } from '../../infra/provision';
import { functionName, startTestPyFaaS, waitForInvocation, type TestPyFaaS } from '../support/pyfaas';
import { REPO_DATA_DIR } from '../support/services';

/**
 * Two PyFaaS processes with their own data dirs share only the database, Temporal and S3
 * (versitygw): code deployed by the first cold-starts on the second from the object store.
 */
describe('object storage on S3 (versitygw): a second node runs what the first deployed', () => {
  let server: Versitygw;
  let first: TestPyFaaS | undefined;
  let second: TestPyFaaS | undefined;

  beforeAll(async () => {
    server = await startVersitygw(REPO_DATA_DIR, silentLogger());
  }, 20 * 60_000);
  afterAll(async () => {
    await second?.close();
    await first?.close();
    await server?.close();
  });

  it('deploys on node A, stops A (its data dir removed), and invokes on node B with large payloads through S3', async () => {
    const s3Env = {
      PYFAAS_OBJECT_STORE: 's3',
      PYFAAS_S3_ENDPOINT: server.endpoint,
      PYFAAS_S3_BUCKET: 'pyfaas-it',
      PYFAAS_S3_ACCESS_KEY_ID: server.accessKeyId,
      PYFAAS_S3_SECRET_ACCESS_KEY: server.secretAccessKey,
    };
    first = await startTestPyFaaS({ database: 'postgres', env: { ...s3Env, PYFAAS_NODE_ID: 'node-a' } });
    const name = functionName('s3');
    const code = { inline: 'def handler(event, context):\n    return {"n": len(event["blob"]), "echo": event["blob"][::-1]}\n' };
    const deployed = await first.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code });
    expect(deployed.status).toBe(201);
    const archives = readdirSync(path.join(server.dir, 'pyfaas-it', 'artifacts'));
    expect(archives).toEqual([expect.stringMatching(/^[0-9a-f]{64}\.tar\.gz$/)]);

    const { PYFAAS_DATA_DIR: _dir, PYFAAS_API_PORT: _port, ...shared } = first.env;
    await first.close(); // A's disk is gone: nothing B needs may live there
    first = undefined;
    second = await startTestPyFaaS({ database: 'postgres', env: { ...shared, PYFAAS_NODE_ID: 'node-b' } });

    const blob = 'x'.repeat(300 * 1024) + 'end'; // over the 256 KiB inline limit both ways
    const sync = await second.request('POST', `/v1/functions/${name}/invoke`, { blob });
    expect(sync.status).toBe(200);
    expect(sync.body.status).toBe('succeeded');
    expect(sync.body.result.n).toBe(blob.length);
    expect(sync.body.result.echo.startsWith('dne')).toBe(true);
    const codeHash = archives[0].replace('.tar.gz', '');
    expect(existsSync(path.join(second.dataDir, 'artifacts', codeHash, 'main.py'))).toBe(true);

    const started = await second.request('POST', `/v1/functions/${name}/invoke?async=true`, { blob });
    expect(started.status).toBe(202);
    const done = await waitForInvocation(second, started.body.invocationId);
    expect(done.status).toBe('succeeded');
    expect(done.result.n).toBe(blob.length);
    const payloads = readdirSync(path.join(server.dir, 'pyfaas-it', 'payloads'));
    expect(payloads.length).toBeGreaterThanOrEqual(2); // the event and the result, by reference
    expect(payloads.every((p) => /^[0-9a-f]{64}\.json$/.test(p))).toBe(true);
  }, 300_000);
});
