import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ENV_VARS, ROLES } from '../../infra/config';
import { envFileNames, KUBERNETES_DIR, kubernetesManifests, kubernetesObjects, manifestEnvNames, SYSTEMD_DIR, unitEnvironmentNames } from './deploy-files';

/** Settings loadConfig reads besides ENV_VARS. */
const REAL_SETTINGS = new Set([...Object.keys(ENV_VARS), 'PYFAAS_CONFIG']);
const UNITS = ['pyfaas-api.service', 'pyfaas-worker.service', 'pyfaas-bridge.service'];

function systemdAnalyze(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v systemd-analyze'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

describe('deployment files: systemd units', () => {
  const analyze = systemdAnalyze();
  (analyze ? it : it.skip)('pass systemd-analyze verify with no warning at all', () => {
    const run = spawnSync(analyze!, ['verify', ...UNITS.map((u) => path.join(SYSTEMD_DIR, u))], { encoding: 'utf8' });
    expect({ status: run.status, stderr: run.stderr.trim() }).toEqual({ status: 0, stderr: '' });
  });

  it.each(UNITS)('%s runs `pyfaas serve` in its own role from the shared env file, restarting on failure', (unit) => {
    const text = readFileSync(path.join(SYSTEMD_DIR, unit), 'utf8');
    const role = unit.replace(/^pyfaas-|\.service$/g, '');
    expect(ROLES).toContain(role);
    expect(text).toMatch(new RegExp(`^Environment=PYFAAS_ROLE=${role}$`, 'm'));
    expect(text).toMatch(/^ExecStart=\/usr\/bin\/node \/opt\/pyfaas\/dist\/cli\/pyfaas\.js serve$/m);
    expect(text).toMatch(/^EnvironmentFile=\/etc\/pyfaas\/pyfaas\.env$/m);
    expect(text).toMatch(/^Restart=on-failure$/m);
    expect(text).toMatch(/^NoNewPrivileges=yes$/m);
  });

  it('runs api and bridge as the dedicated user with namespaces and capabilities taken away; the worker keeps what bwrap needs', () => {
    for (const unit of ['pyfaas-api.service', 'pyfaas-bridge.service']) {
      const text = readFileSync(path.join(SYSTEMD_DIR, unit), 'utf8');
      expect(text).toMatch(/^User=pyfaas$/m);
      expect(text).toMatch(/^RestrictNamespaces=yes$/m);
      expect(text).toMatch(/^CapabilityBoundingSet=$/m);
      expect(text).toMatch(/^ProtectSystem=strict$/m);
    }
    const worker = readFileSync(path.join(SYSTEMD_DIR, 'pyfaas-worker.service'), 'utf8');
    expect(worker).toMatch(/^Delegate=yes$/m);
    expect(worker).not.toMatch(/^RestrictNamespaces=/m);
    expect(worker).not.toMatch(/^ProtectControlGroups=yes/m);
    expect(worker).toMatch(/^CapabilityBoundingSet=.*CAP_SYS_ADMIN/m);
  });

  it('the env file and the units set only real PYFAAS_* settings', () => {
    const names = [...envFileNames(path.join(SYSTEMD_DIR, 'pyfaas.env.example')), ...UNITS.flatMap((u) => unitEnvironmentNames(path.join(SYSTEMD_DIR, u)))];
    expect(names.length).toBeGreaterThan(10);
    expect(names.filter((n) => !REAL_SETTINGS.has(n))).toEqual([]);
  });

  it('the env file points every host at one S3 object store (the data dir is each host\'s own)', () => {
    const names = envFileNames(path.join(SYSTEMD_DIR, 'pyfaas.env.example'));
    expect(names).toEqual(expect.arrayContaining(['PYFAAS_OBJECT_STORE', 'PYFAAS_S3_ENDPOINT', 'PYFAAS_S3_BUCKET', 'PYFAAS_S3_ACCESS_KEY_ID_FILE', 'PYFAAS_S3_SECRET_ACCESS_KEY_FILE']));
    expect(readFileSync(path.join(SYSTEMD_DIR, 'pyfaas.env.example'), 'utf8')).toMatch(/^PYFAAS_OBJECT_STORE=s3$/m);
  });
});

describe('deployment files: Kubernetes manifests', () => {
  it('kustomization.yaml lists every manifest in the folder', () => {
    const kustomization = parse(readFileSync(path.join(KUBERNETES_DIR, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
    expect([...kustomization.resources].sort()).toEqual(kubernetesManifests().map((f) => path.basename(f)).sort());
  });

  it('sets only real PYFAAS_* settings (ConfigMap, Secret, container env)', () => {
    const names = kubernetesManifests().flatMap((f) => manifestEnvNames(kubernetesObjects(f)));
    expect(names).toEqual(expect.arrayContaining(['PYFAAS_ROLE', 'PYFAAS_TEMPORAL_ADDRESS', 'PYFAAS_KAFKA_BROKERS', 'PYFAAS_DATABASE_URL']));
    expect(names.filter((n) => !REAL_SETTINGS.has(n))).toEqual([]);
  });

  it('has one Deployment per role, each running `pyfaas serve` in that role, and the API probed on /readyz and /healthz', () => {
    const objects = kubernetesManifests().flatMap((f) => kubernetesObjects(f));
    const deployments = objects.filter((o) => o.kind === 'Deployment') as unknown as Array<{ metadata: { name: string }; spec: { template: { spec: { containers: Array<Record<string, any>> } } } }>;
    const roles = deployments.map((d) => d.spec.template.spec.containers[0].env.find((e: { name: string }) => e.name === 'PYFAAS_ROLE').value).sort();
    expect(roles).toEqual(['api', 'bridge', 'worker']);
    for (const d of deployments) expect(d.spec.template.spec.containers[0].command).toEqual(['node', '/opt/pyfaas/dist/cli/pyfaas.js', 'serve']);
    const api = deployments.find((d) => d.metadata.name === 'pyfaas-api')!.spec.template.spec.containers[0];
    expect(api.readinessProbe.httpGet.path).toBe('/readyz');
    expect(api.livenessProbe.httpGet.path).toBe('/healthz');
    expect(objects.map((o) => o.kind)).toEqual(expect.arrayContaining(['Service', 'HorizontalPodAutoscaler', 'ConfigMap', 'Secret']));
  });

  it('shares no volume between pods: each data dir is an emptyDir cache, and what pods share is the S3 object store', () => {
    const objects = kubernetesManifests().flatMap((f) => kubernetesObjects(f));
    expect(objects.map((o) => o.kind)).not.toContain('PersistentVolumeClaim');
    const deployments = objects.filter((o) => o.kind === 'Deployment') as any[];
    for (const d of deployments) {
      for (const volume of d.spec.template.spec.volumes ?? []) expect(Object.keys(volume).sort()).toEqual(['emptyDir', 'name']);
    }
    const config = objects.find((o) => o.kind === 'ConfigMap') as any;
    expect(config.data.PYFAAS_OBJECT_STORE).toBe('s3');
    expect(config.data.PYFAAS_S3_ENDPOINT).toMatch(/^https?:\/\//);
    const secret = objects.find((o) => o.kind === 'Secret') as any;
    expect(Object.keys(secret.stringData)).toEqual(expect.arrayContaining(['PYFAAS_S3_ACCESS_KEY_ID', 'PYFAAS_S3_SECRET_ACCESS_KEY']));
  });

  it('gives the worker a user namespace and an unmasked /proc instead of privileged', () => {
    const worker = kubernetesObjects(path.join(KUBERNETES_DIR, 'worker.yaml')).find((o) => o.kind === 'Deployment') as any;
    const pod = worker.spec.template.spec;
    expect(pod.hostUsers).toBe(false);
    expect(pod.containers[0].securityContext.privileged).toBeUndefined();
    expect(pod.containers[0].securityContext.procMount).toBe('Unmasked');
  });
});

