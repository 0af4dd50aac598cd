import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../common/logger';
import { loadConfig } from '../../infra/config';
import { freePort } from '../../infra/ports';
import { startKafkaBroker, type KafkaBrokerOptions } from '../../infra/services/kafka-broker';
import type { ManagedProcess } from '../../infra/services/managed-process';
import { generateToken } from '../../modules/auth/tokens';
import { startPyFaaS, type RunningPyFaaS } from '../../process/serve';
import { eventually } from '../support/http';
import { testServices } from '../support/services';
import { installTestRuntime } from '../support/temporal';

const ADMIN_TOKEN = generateToken();

/** With a token: the details of every check (anonymous callers get only the status). */
async function readyz(apiUrl: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${apiUrl}/readyz`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  return { status: response.status, body: await response.json() };
}

describe('/readyz of a PyFaaS process (role all) against real services', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'readyz-'));
  let kafkaOptions: KafkaBrokerOptions;
  let kafka: ManagedProcess | undefined;
  let pyfaas: RunningPyFaaS | undefined;

  beforeAll(async () => {
    installTestRuntime();
    // A broker of this test's own, so stopping it disturbs no other test.
    kafkaOptions = {
      libDir: testServices().kafkaLibDir, stateDir: path.join(dir, 'kafka'), logDir: path.join(dir, 'logs'),
      host: '127.0.0.1', port: await freePort(), controllerPort: await freePort(),
    };
    kafka = await startKafkaBroker(kafkaOptions, silentLogger());
    const config = loadConfig({
      PYFAAS_DATA_DIR: dir,
      PYFAAS_API_PORT: String(await freePort()),
      PYFAAS_TEMPORAL_ADDRESS: testServices().temporalAddress,
      PYFAAS_TASK_QUEUE: `readyz-${randomUUID()}`,
      PYFAAS_KAFKA_BROKERS: `127.0.0.1:${kafkaOptions.port}`,
      PYFAAS_ADMIN_TOKEN: ADMIN_TOKEN,
    });
    pyfaas = await startPyFaaS(config, silentLogger());
  });

  afterAll(async () => {
    await pyfaas?.close();
    await kafka?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is ok for Temporal, Kafka and the database, then failed for Kafka alone while it is down, then ok again', async () => {
    const apiUrl = pyfaas!.apiUrl!;
    const first = await readyz(apiUrl);
    expect(first.status).toBe(200);
    expect(first.body.status).toBe('ok');
    for (const name of ['temporal', 'kafka', 'database']) {
      expect(first.body.checks[name].status).toBe('ok');
      expect(typeof first.body.checks[name].latencyMs).toBe('number');
    }

    await kafka!.stop();
    expect(await eventually(async () => (await readyz(apiUrl)).status === 503, 20_000)).toBe(true);
    const down = await readyz(apiUrl);
    expect(down.body.checks.kafka.status).toBe('failed');
    expect(down.body.checks.kafka.error).toEqual(expect.any(String));
    expect(down.body.checks.temporal.status).toBe('ok');
    expect(down.body.checks.database.status).toBe('ok');

    kafka = await startKafkaBroker(kafkaOptions, silentLogger());
    expect(await eventually(async () => (await readyz(apiUrl)).status === 200, 30_000)).toBe(true);
  });
});
