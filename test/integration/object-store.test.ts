import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../common/logger';
import { freePort } from '../../infra/ports';
import { startVersitygw, type Versitygw } from '../../infra/provision';
import { buildArchive } from '../modules/artifacts/archives';
import { startCli, type CliProcess } from '../support/cli';
import { eventually } from '../support/http';
import { functionName, startTestPyFaaS, waitForInvocation, type TestPyFaaS } from '../support/pyfaas';
import { REPO_DATA_DIR } from '../support/services';

interface WorkerNode {
  nodeId: string;
  dataDir: string;
  process: CliProcess;
}

/**
 * PyFaaS nodes with data dirs of their own, sharing only the database, Temporal and S3
 * (versitygw), as on separate hosts: an API-only node takes the deploy, which continues on a
 * worker node (separate process); invocations run there, their large events and results
 * crossing through the object store; after that worker is gone, a fresh one cold-starts the
 * code (dependencies included) from the object store.
 */
describe('object storage on S3 (versitygw): nodes with separate data dirs', () => {
  let server: Versitygw;
  let api: TestPyFaaS | undefined;
  const workers: WorkerNode[] = [];

  beforeAll(async () => {
    server = await startVersitygw(REPO_DATA_DIR, silentLogger());
  }, 20 * 60_000);
  afterAll(async () => {
    for (const worker of workers) await stopWorker(worker);
    await api?.close();
    await server?.close();
  });

  const bucketDir = (...parts: string[]) => path.join(server.dir, 'pyfaas-it', ...parts);
  const listBucket = (prefix: string) => (existsSync(bucketDir(prefix)) ? readdirSync(bucketDir(prefix), { recursive: true }).map(String) : []);

  async function startWorker(nodeId: string): Promise<WorkerNode> {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), `pyfaas-it-${nodeId}-`));
    const env = { ...api!.env, PYFAAS_ROLE: 'worker', PYFAAS_NODE_ID: nodeId, PYFAAS_DATA_DIR: dataDir, PYFAAS_API_PORT: String(await freePort()), PYFAAS_LOG_LEVEL: 'warn' };
    const worker = { nodeId, dataDir, process: startCli(['serve'], env) };
    workers.push(worker);
    if (!(await eventually(async () => (await liveNodes()).includes(nodeId), 60_000))) throw new Error(`worker ${nodeId} did not come up:\n${worker.process.output()}`);
    return worker;
  }

  async function stopWorker(worker: WorkerNode): Promise<void> {
    if (worker.process.child.exitCode === null && worker.process.child.signalCode === null) {
      worker.process.child.kill('SIGTERM');
      const exited = await Promise.race([worker.process.exited, new Promise((r) => setTimeout(() => r(undefined), 15_000))]);
      if (!exited) worker.process.child.kill('SIGKILL');
    }
    rmSync(worker.dataDir, { recursive: true, force: true });
  }

  async function liveNodes(): Promise<string[]> {
    return (await api!.request('GET', '/v1/nodes')).body.items.map((node: { nodeId: string }) => node.nodeId);
  }

  it('deploys through an API-only node onto a worker, invokes with large payloads both ways, and cold-starts on a fresh worker', async () => {
    api = await startTestPyFaaS({
      database: 'postgres',
      env: {
        PYFAAS_ROLE: 'api',
        PYFAAS_NODE_ID: 'node-api',
        PYFAAS_OBJECT_STORE: 's3',
        PYFAAS_S3_ENDPOINT: server.endpoint,
        PYFAAS_S3_BUCKET: 'pyfaas-it',
        PYFAAS_S3_ACCESS_KEY_ID: server.accessKeyId,
        PYFAAS_S3_SECRET_ACCESS_KEY: server.secretAccessKey,
      },
    });
    const first = await startWorker('node-2');

    // The API node only materialises; validate, install, store and warm run on node-2.
    const name = functionName('s3');
    const handler = 'import six\n\ndef handler(event, context):\n    return {"n": len(event["blob"]), "echo": event["blob"][::-1], "six": six.__version__}\n';
    const zip = await buildArchive('zip', [{ name: 'main.py', content: handler }, { name: 'requirements.txt', content: 'six==1.16.0\n' }]);
    const deployed = await api.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code: { zipBase64: zip.toString('base64') } });
    expect(deployed.status).toBe(201);
    const archives = listBucket('artifacts');
    expect(archives).toEqual([expect.stringMatching(/^[0-9a-f]{64}\.tar\.gz$/)]);
    const codeHash = archives[0].replace('.tar.gz', '');
    expect(listBucket('staging').filter((entry) => entry.includes('.'))).toEqual([]); // the staging record is discarded
    expect(existsSync(path.join(api.dataDir, 'artifacts', codeHash))).toBe(false); // the API node never built it
    expect(readFileSync(path.join(first.dataDir, 'artifacts', codeHash, '.deps', 'six.py'), 'utf8')).toContain('1.16.0');

    const blob = 'x'.repeat(300 * 1024) + 'end'; // over the 256 KiB inline limit both ways
    const sync = await api.request('POST', `/v1/functions/${name}/invoke`, { blob });
    expect(sync.status).toBe(200);
    expect(sync.body).toMatchObject({ status: 'succeeded', result: { n: blob.length, six: '1.16.0' } });
    expect(sync.body.result.echo.startsWith('dne')).toBe(true);
    const payloads = listBucket('payloads');
    expect(payloads.length).toBeGreaterThanOrEqual(2); // the event (stored by the API node) and the result (by node-2)
    expect(payloads.every((p) => /^[0-9a-f]{64}\.json$/.test(p))).toBe(true);
    const record = await api.request('GET', `/v1/invocations/${sync.body.invocationId}`);
    expect(record.body.nodeId).toBe('node-2');

    // node-2 and its disk are gone; node-3 has never seen the function.
    await stopWorker(first);
    const second = await startWorker('node-3');
    expect(await eventually(async () => !(await liveNodes()).includes('node-2'), 30_000)).toBe(true);
    const started = await api.request('POST', `/v1/functions/${name}/invoke?async=true`, { blob: `${blob}!` });
    expect(started.status).toBe(202);
    const done = await waitForInvocation(api, started.body.invocationId, 90_000);
    expect(done).toMatchObject({ status: 'succeeded', nodeId: 'node-3', result: { n: blob.length + 1, six: '1.16.0' } });
    expect(done.result.echo.startsWith('!dne')).toBe(true);
    // Unpacked from artifacts/<codeHash>.tar.gz, dependencies included.
    expect(readFileSync(path.join(second.dataDir, 'artifacts', codeHash, '.deps', 'six.py'), 'utf8')).toContain('1.16.0');

    // /readyz names the object store while it is away, and is ready again once it is back.
    const readyz = () => api!.request('GET', '/readyz'); // the details need a token
    expect((await readyz()).body.checks.objects.status).toBe('ok');
    await server.stop();
    try {
      const down = await readyz();
      expect(down.status).toBe(503);
      expect(down.body.checks.objects).toMatchObject({ status: 'failed', error: expect.stringContaining(server.endpoint) });
      expect(down.body.checks.database.status).toBe('ok');
    } finally {
      await server.restart();
    }
    expect(await eventually(async () => (await readyz()).status === 200, 20_000)).toBe(true);
  }, 300_000);
});
