/**
 * The authoring kit's harness: runs a module package directory through what the platform
 * does before it installs one (read the manifest, compile its configSchema, load the entry
 * with Node's loader, build the instance with a real `context.kit`, the kind's self-check)
 * and then a few behavioural checks per kind that need no services. A module developer runs
 * it with `pyfaas module check <dir>`; passing it is what "starts from something that
 * passes" means. It never throws for a broken module: each failure is a check with ok false.
 * It runs the module's code in this process, like an install does: check only packages you
 * would run.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { silentLogger, type Logger } from '../../common/logger';
import { compileConfigSchema, validateModuleConfig } from '../config-schema';
import type { ModuleContext, ModuleManifest, PyFaaSModule } from '../model';
import { loadModulePackage, readModulePackage } from '../package';
import { selfCheck } from '../self-check';
import { moduleKit } from './index';
import { KIND_CHECKS, type KindCheck } from './harness-kinds';
import { POLICY_MODULE_CHECKS } from './harness-policy-modules';

export interface HarnessCheck {
  /** Stable names: manifest, config-schema, load, create, self-check, then `<kind>: …`. */
  name: string;
  ok: boolean;
  message: string;
}

export interface HarnessReport {
  dir: string;
  packageName?: string;
  manifest?: ModuleManifest;
  /** True when every check passed. */
  ok: boolean;
  checks: HarnessCheck[];
}

/** One sentence for any thrown value, with its stable code when it has one. */
export function describeError(err: unknown): string {
  const coded = err as { code?: unknown; message?: unknown } | undefined;
  const message = typeof coded?.message === 'string' ? coded.message : String(err);
  return typeof coded?.code === 'string' ? `[${coded.code}] ${message}` : message;
}

/**
 * Checks the module package at `dir`. The chain stops at the first failure of the steps the
 * platform itself takes (a later step needs the earlier one's result); the kind's behavioural
 * checks all run once the instance passed its self-check.
 */
export async function checkModuleDir(dir: string, options: { logger?: Logger } = {}): Promise<HarnessReport> {
  const report: HarnessReport = { dir: path.resolve(dir), ok: false, checks: [] };
  const pass = (name: string, message: string) => report.checks.push({ name, ok: true, message });
  const failed = (name: string, err: unknown) => {
    report.checks.push({ name, ok: false, message: describeError(err) });
    return report;
  };

  try {
    const pkg = await readModulePackage(report.dir);
    report.packageName = pkg.packageName;
    report.manifest = pkg.manifest;
    pass('manifest', `${pkg.packageName}@${pkg.manifest.version}: ${pkg.manifest.kind}/${pkg.manifest.id} for PyFaaS ${pkg.manifest.platform}`);
  } catch (err) {
    return failed('manifest', err);
  }
  const manifest = report.manifest;

  try {
    const validate = compileConfigSchema(manifest);
    pass('config-schema', validate ? 'configSchema compiles' : 'no configSchema: the module takes its configuration as given');
  } catch (err) {
    return failed('config-schema', err);
  }

  let module: PyFaaSModule;
  try {
    module = await loadModulePackage(report.dir);
    pass('load', `entry loaded with Node's loader`);
  } catch (err) {
    return failed('load', err);
  }

  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), `pyfaas-harness-${manifest.id}-`));
  try {
    const context: ModuleContext = { logger: options.logger ?? silentLogger(), dataDir, kit: moduleKit };
    let instance: unknown;
    try {
      instance = module.create(context);
      pass('create', 'create(context) returned');
    } catch (err) {
      return failed('create', err);
    }
    try {
      selfCheck(manifest, instance);
      pass('self-check', `honours the ${manifest.kind} contract's self-check`);
    } catch (err) {
      return failed('self-check', err);
    }
    const configs = configCandidates(manifest);
    for (const check of KIND_CHECKS[manifest.kind] ?? POLICY_MODULE_CHECKS[manifest.kind] ?? ([] as KindCheck[])) {
      try {
        pass(check.name, await check.run(instance, { manifest, configs, dir: report.dir }));
      } catch (err) {
        report.checks.push({ name: check.name, ok: false, message: describeError(err) });
      }
    }
  } finally {
    await fs.rm(dataDir, { recursive: true, force: true });
  }
  report.ok = report.checks.every((check) => check.ok);
  return report;
}

/**
 * The configurations the kind checks try, in order: `{}`, then each of the configSchema's
 * `examples`, each passed through the schema first (defaults filled in) as the platform does;
 * one the schema refuses is left out. A module whose configuration has required fields
 * lists an example so the harness can exercise it.
 */
function configCandidates(manifest: ModuleManifest): unknown[] {
  const examples = Array.isArray(manifest.configSchema?.examples) ? (manifest.configSchema.examples as unknown[]) : [];
  const candidates: unknown[] = [];
  for (const raw of [{}, ...examples]) {
    try {
      candidates.push(validateModuleConfig(manifest, raw, 'config'));
    } catch {
      // the schema refuses it: the platform would never hand it to the module
    }
  }
  return candidates;
}
