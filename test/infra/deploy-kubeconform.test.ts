import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../common/logger';
import { ensureKubeconform, ensureKubernetesSchemas, KUBERNETES_VERSIONS, runKubeconform } from '../../infra/provision';
import { kubernetesManifests } from './deploy-files';

/** The project's data dir (.pyfaas beside package.json), where provisioned tools are cached. */
const DATA_DIR = path.resolve(__dirname, '../../.pyfaas');

describe('deployment files: kubeconform -strict', () => {
  let binary: string;
  let schemas: string;
  beforeAll(async () => {
    const logger = createLogger({ level: 'info', name: 'kubeconform' });
    binary = await ensureKubeconform(DATA_DIR, logger);
    schemas = await ensureKubernetesSchemas(DATA_DIR, logger);
  }, 20 * 60_000);

  it.each([...KUBERNETES_VERSIONS])('every manifest is valid for Kubernetes %s, no resource skipped', async (version) => {
    const files = kubernetesManifests();
    const result = await runKubeconform(binary, schemas, files, version);
    expect(result.problems).toEqual([]);
    expect({ invalid: result.invalid, errors: result.errors, skipped: result.skipped }).toEqual({ invalid: 0, errors: 0, skipped: 0 });
    expect(result.valid).toBe(8); // Namespace, ConfigMap, Secret, 3 Deployments, Service, HPA
  });

  it('rejects a field Kubernetes does not have (strict mode works against these schemas)', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kubeconform-'));
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {A: b}\nnotAField: 1\n');
    const result = await runKubeconform(binary, schemas, [bad], KUBERNETES_VERSIONS[0]);
    expect(result.invalid).toBe(1);
    expect(result.problems[0].msg).toMatch(/notAField/);
  });
});
