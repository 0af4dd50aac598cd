import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../infra/ports';
import { generateToken } from '../../modules/auth/tokens';
import { startCli, type CliProcess } from '../support/cli';
import { eventually } from '../support/http';
import { REPO_ROOT, testServices } from '../support/services';
import { functionName } from '../support/pyfaas';
import { parsePrometheus, valueOf, type Family } from './metrics-scrape';

/**
 * The Temporal SDK's own metrics: `pyfaas serve` (the built CLI, its own Node process, since
 * the Temporal runtime is installed once per process) with PYFAAS_TEMPORAL_METRICS_PORT set
 * serves the SDK Core's Prometheus exporter there, `temporal_*` with the node's label; the
 * dashboard's Temporal panels name metrics it shows; a taken port stops the process with a
 * sentence naming the variable.
 */
describe('Temporal SDK metrics', () => {
  let dataDir: string;
  let serve: CliProcess | undefined;
  let env: Record<string, string>;
  let apiUrl: string;
  let temporalMetrics: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'pyfaas-temporal-metrics-'));
    const suffix = path.basename(dataDir).slice(-6).toLowerCase().replace(/[^a-z0-9]/g, 'x');
    const [apiPort, temporalPort] = [await freePort(), await freePort()];
    env = {
      PYFAAS_DATA_DIR: dataDir, PYFAAS_API_PORT: String(apiPort), PYFAAS_TEMPORAL_ADDRESS: testServices().temporalAddress,
      PYFAAS_TASK_QUEUE: `it-tm-${suffix}`, PYFAAS_KAFKA_BROKERS: testServices().kafkaBrokers.join(','), PYFAAS_NODE_ID: 'temporal-metrics-node',
      PYFAAS_KAFKA_INVOKE_TOPIC: `pyfaas.invoke.tm-${suffix}`, PYFAAS_KAFKA_DEAD_LETTER_TOPIC: `pyfaas.dead-letter.tm-${suffix}`,
      PYFAAS_ADMIN_TOKEN: generateToken(), PYFAAS_TEMPORAL_METRICS_PORT: String(temporalPort), PYFAAS_LOG_LEVEL: 'warn',
    };
    apiUrl = `http://127.0.0.1:${apiPort}`;
    temporalMetrics = `http://127.0.0.1:${temporalPort}/metrics`;
    serve = startCli(['serve'], env);
    const up = await eventually(async () => (await fetch(`${apiUrl}/healthz`)).ok, 90_000, 500);
    if (!up) throw new Error(`pyfaas serve did not come up:\n${serve.output()}`);
  });
  afterAll(async () => {
    if (serve) {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  const scrapeTemporal = async (): Promise<Family[]> => parsePrometheus(await (await fetch(temporalMetrics)).text());

  it("serves the SDK Core's temporal_ metrics on its own port, with the node label, after real work", async () => {
    const name = functionName('tsdk');
    const headers = { authorization: `Bearer ${env.PYFAAS_ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const created = await fetch(`${apiUrl}/v1/functions`, { method: 'POST', headers, body: JSON.stringify({ name, runtime: 'python3', handler: 'main.handler', code: { inline: 'def handler(event, context):\n    return 1\n' } }) });
    expect(created.status).toBe(201);
    const invoked = await fetch(`${apiUrl}/v1/functions/${name}/invoke`, { method: 'POST', headers, body: '{}' });
    expect(((await invoked.json()) as { status: string }).status).toBe('succeeded');
    let families: Family[] = [];
    // The deployment ran activities and the invocation workflow tasks: the exporter shows them.
    const shown = await eventually(async () => {
      families = await scrapeTemporal();
      return valueOf(families, 'temporal_workflow_task_schedule_to_start_latency_seconds_count', {}) > 0 || families.some((f) => f.name === 'temporal_workflow_task_schedule_to_start_latency_seconds');
    }, 30_000, 500);
    expect(shown).toBe(true);
    expect(families.every((f) => f.name.startsWith('temporal_'))).toBe(true);
    expect(families.find((f) => f.name === 'temporal_worker_task_slots_available')?.metrics.some((m) => m.labels?.node === 'temporal-metrics-node')).toBe(true);
    expect(families.some((f) => f.name === 'temporal_request_total' && f.type === 'COUNTER')).toBe(true);

    const dashboard = readFileSync(path.join(REPO_ROOT, 'infra/observability/grafana-dashboard.json'), 'utf8');
    const named = new Set((dashboard.match(/\btemporal_[a-z0-9_]+/g) ?? []).map((n) => n.replace(/_(bucket|count|sum)$/, '')));
    expect(named.size).toBeGreaterThanOrEqual(2);
    const exported = new Set(families.map((f) => f.name));
    expect([...named].filter((n) => !exported.has(n))).toEqual([]);
  });

  it('refuses to start when the Temporal metrics port is taken, naming the variable', async () => {
    const taken = temporalMetrics.match(/:(\d+)\//)![1];
    const second = startCli(['serve'], { ...env, PYFAAS_API_PORT: String(await freePort()), PYFAAS_TEMPORAL_METRICS_PORT: taken, PYFAAS_DATA_DIR: path.join(dataDir, 'second') });
    const { code, output } = await second.exited;
    expect(code).not.toBe(0);
    expect(output).toMatch(new RegExp(`Port ${taken} \\(Temporal SDK metrics\\) is already in use; set PYFAAS_TEMPORAL_METRICS_PORT`));
  });
});
