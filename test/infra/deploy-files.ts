import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

/** infra/deploy/, and the files in it the tests read (shared by the deploy tests). */
export const DEPLOY_DIR = path.resolve(__dirname, '../../infra/deploy');
export const SYSTEMD_DIR = path.join(DEPLOY_DIR, 'systemd');
export const KUBERNETES_DIR = path.join(DEPLOY_DIR, 'kubernetes');

export function kubernetesManifests(): string[] {
  return readdirSync(KUBERNETES_DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').map((f) => path.join(KUBERNETES_DIR, f));
}

export type K8sObject = { kind: string; metadata: { name: string }; [key: string]: unknown };

export function kubernetesObjects(file: string): K8sObject[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0].message}`);
    return doc.toJS() as K8sObject;
  }).filter(Boolean);
}

/** `NAME=value` lines of an env file (comments and blank lines skipped). */
export function envFileNames(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).map((l) => l.split('=')[0]);
}

/** Names a unit sets with `Environment=NAME=value`. */
export function unitEnvironmentNames(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/^Environment=([A-Z0-9_]+)=/gm)].map((m) => m[1]);
}

/** Every env var name a manifest sets: ConfigMap/Secret keys (they are loaded with envFrom) and containers' env. */
export function manifestEnvNames(objects: K8sObject[]): string[] {
  const names: string[] = [];
  for (const o of objects) {
    if (o.kind === 'ConfigMap') names.push(...Object.keys((o.data as object) ?? {}));
    if (o.kind === 'Secret') names.push(...Object.keys((o.stringData as object) ?? {}), ...Object.keys((o.data as object) ?? {}));
    const pod = (o.spec as { template?: { spec?: { containers?: Array<{ env?: Array<{ name: string }> }> } } } | undefined)?.template?.spec;
    for (const c of pod?.containers ?? []) names.push(...(c.env ?? []).map((e) => e.name));
  }
  return names;
}
