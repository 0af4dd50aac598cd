import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InputError, SetupError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { requireExecutable, runCommand, tail } from '../command';
import { step } from '../progress';
import { ensureGoBinaries } from './go-install';

/** kubeconform, the Kubernetes manifest schema checker (go.mod: go 1.24, no replace directive). */
export const KUBECONFORM_VERSION = '0.7.0';
const MODULE = 'github.com/yannh/kubeconform/cmd/kubeconform';

/**
 * kubeconform downloads its schemas from GitHub by default, which the machines here cannot
 * reach. PyPI's kubernetes-validate ships the same JSON schemas (generated from each
 * Kubernetes release's OpenAPI document, strict variants included) for v1.25 to v1.37, so the
 * wheel is fetched with pip and the versions needed are unpacked from it.
 */
export const KUBERNETES_SCHEMAS_PACKAGE = { name: 'kubernetes-validate', version: '1.37.0' } as const;
/** The Kubernetes versions the manifests are checked against: the oldest they support (user namespaces on by default) and the newest schemas. */
export const KUBERNETES_VERSIONS = ['1.33.0', '1.37.0'] as const;

export function kubeconformPath(dataDir: string): string {
  return path.join(dataDir, 'bin', 'kubeconform');
}

export function kubernetesSchemasDir(dataDir: string): string {
  return path.join(dataDir, 'kubernetes-json-schema', KUBERNETES_SCHEMAS_PACKAGE.version);
}

/** `go install` builds report no version of their own, so the version built is recorded beside the binary. */
function marker(file: string): string {
  return `${file}.version`;
}

function recorded(file: string): string | undefined {
  return existsSync(file) && existsSync(marker(file)) ? readFileSync(marker(file), 'utf8').trim() : undefined;
}

/**
 * Builds kubeconform into `<dataDir>/bin` with `go install` unless the pinned version is there.
 * Throws SetupError when Go is missing or the build fails.
 */
export async function ensureKubeconform(dataDir: string, logger: Logger): Promise<string> {
  const binary = kubeconformPath(dataDir);
  await ensureGoBinaries({ step: 'kubeconform', what: 'kubeconform', packages: { [MODULE]: path.basename(binary) }, version: KUBECONFORM_VERSION, binDir: path.dirname(binary), probeArgs: ['-v'] }, logger);
  return binary;
}

/**
 * Unpacks `v<version>-local-strict/` of the wheel for each version into
 * `<dir>/v<version>-standalone-strict/` (kubeconform's naming). The wheel's schemas refer to
 * their definitions as `/api/_definitions.json`, a root path its own validator serves, and
 * each carries an `$id` under https://kubernetes.io/api/, against which every ref resolves: so
 * kubeconform fetched the definitions from the internet, failed, and reported "could not find
 * schema" for every kind. The refs are made relative (`_definitions.json`, the file beside
 * them) and the `$id` is dropped, so they resolve on this disk. Nothing else is changed.
 */
const UNPACK = `
import json, sys, zipfile, os
wheel, out, versions = sys.argv[1], sys.argv[2], sys.argv[3:]
z = zipfile.ZipFile(wheel)
for v in versions:
    prefix = 'kubernetes_validate/kubernetes-json-schema/v%s-local-strict/' % v
    names = [n for n in z.namelist() if n.startswith(prefix) and n.endswith('.json')]
    if not names:
        sys.exit('no schemas for Kubernetes %s in %s' % (v, wheel))
    target = os.path.join(out, 'v%s-standalone-strict' % v)
    os.makedirs(target, exist_ok=True)
    for n in names:
        schema = json.loads(z.read(n).decode('utf-8').replace('"/api/_definitions.json#', '"_definitions.json#'))
        schema.pop('$id', None)
        with open(os.path.join(target, n[len(prefix):]), 'w') as f:
            json.dump(schema, f)
    print('%s: %d schemas' % (v, len(names)))
`;

/**
 * Fetches the pinned kubernetes-validate wheel with pip (no install: only its data is used)
 * and unpacks the schemas of KUBERNETES_VERSIONS, once. Returns the schema folder.
 * Throws SetupError when python3/pip is missing or PyPI does not answer.
 */
export async function ensureKubernetesSchemas(dataDir: string, logger: Logger): Promise<string> {
  const dir = kubernetesSchemasDir(dataDir);
  const done = path.join(dir, 'unpacked');
  // The unpacking's own revision is part of the marker, so schemas unpacked by an older one are unpacked again.
  const wanted = `${KUBERNETES_VERSIONS.join(',')};local-refs`;
  if (recorded(done) === wanted) {
    logger.info({ step: 'kubernetes-schemas', dir }, `kubernetes-schemas: ${KUBERNETES_VERSIONS.join(', ')} already unpacked`);
    return dir;
  }
  const python = requireExecutable('python3', 'install python3 and python3-pip to fetch the Kubernetes JSON schemas from PyPI');
  const { name, version } = KUBERNETES_SCHEMAS_PACKAGE;
  const wheelDir = path.join(dir, 'wheel');
  mkdirSync(wheelDir, { recursive: true });
  await step(logger, 'kubernetes-schemas', `fetching ${name}==${version} (Kubernetes JSON schemas, 22 MB) with pip`, async () => {
    const fetched = await runCommand(python, ['-m', 'pip', 'download', '--disable-pip-version-check', '--no-input', '--no-deps', '--only-binary=:all:', '-d', wheelDir, `${name}==${version}`], { timeoutMs: 10 * 60_000 });
    if (fetched.code !== 0) throw new SetupError(`pip download ${name}==${version} failed; check that pip is installed and PyPI answers. Last lines:\n${tail(fetched.output)}`);
    const wheel = path.join(wheelDir, `${name.replace(/-/g, '_')}-${version}-py3-none-any.whl`);
    if (!existsSync(wheel)) throw new SetupError(`pip download ${name}==${version} left no ${wheel}.`);
    const unpacked = await runCommand(python, ['-c', UNPACK, wheel, dir, ...KUBERNETES_VERSIONS], { timeoutMs: 5 * 60_000 });
    if (unpacked.code !== 0) throw new SetupError(`Unpacking the schemas from ${wheel} failed. Last lines:\n${tail(unpacked.output)}`);
    writeFileSync(done, wanted);
  });
  return dir;
}

export interface KubeconformResult {
  valid: number;
  invalid: number;
  errors: number;
  skipped: number;
  /** One entry per resource that was not valid: file, kind, name and kubeconform's message. */
  problems: Array<{ filename: string; kind: string; name: string; status: string; msg: string }>;
}

/**
 * Runs kubeconform in `-strict` mode (unknown fields are errors) on `files` against the
 * local schemas for one Kubernetes version; a resource without a schema is an error, not a
 * skip. Throws InputError for an unknown version, SetupError when kubeconform cannot run.
 */
export async function runKubeconform(binary: string, schemasDir: string, files: string[], kubernetesVersion: string): Promise<KubeconformResult> {
  if (!(KUBERNETES_VERSIONS as readonly string[]).includes(kubernetesVersion)) {
    throw new InputError(`No schemas for Kubernetes ${kubernetesVersion} here; use one of ${KUBERNETES_VERSIONS.join(', ')}.`);
  }
  const location = `${schemasDir}/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json`;
  const args = ['-strict', '-summary', '-output', 'json', '-kubernetes-version', kubernetesVersion, '-schema-location', location, ...files];
  const { code, output } = await runCommand(binary, args, { timeoutMs: 5 * 60_000 });
  let report: { resources?: KubeconformResult['problems']; summary?: Omit<KubeconformResult, 'problems'> };
  try {
    report = JSON.parse(output.slice(output.indexOf('{'), output.lastIndexOf('}') + 1));
  } catch {
    throw new SetupError(`kubeconform exited ${code} without a JSON report:\n${tail(output)}`);
  }
  const summary = report.summary ?? { valid: 0, invalid: 0, errors: 0, skipped: 0 };
  return { ...summary, problems: (report.resources ?? []).filter((r) => r.status !== 'statusValid') };
}
