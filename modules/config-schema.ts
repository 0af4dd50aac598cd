import Ajv, { type ValidateFunction } from 'ajv';
import { InputError } from '../common/errors';
import { ModuleManifestError } from './errors';
import type { ModuleManifest } from './model';

// One compiler for every module: strict off so a module's schema may carry annotations (title, examples).
const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true });
const compiled = new WeakMap<object, ValidateFunction>();

/** Compiles the manifest's configSchema; throws ModuleManifestError when it is not a valid JSON Schema. */
export function compileConfigSchema(manifest: ModuleManifest): ValidateFunction | undefined {
  const schema = manifest.configSchema;
  if (!schema) return undefined;
  const known = compiled.get(schema);
  if (known) return known;
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(schema);
  } catch (err) {
    throw new ModuleManifestError(`Module ${manifest.kind}/${manifest.id}: its configSchema is not a valid JSON Schema (${(err as Error).message}).`);
  }
  compiled.set(schema, validate);
  return validate;
}

/**
 * Validates what a function, trigger or policy gives a module against the module's declared
 * configSchema (defaults filled in) and returns it; throws InputError listing every bad field
 * under `field` (e.g. `scaling.params`). A module without a schema takes the value as is.
 */
export function validateModuleConfig(manifest: ModuleManifest, value: unknown, field: string): unknown {
  const validate = compileConfigSchema(manifest);
  if (!validate) return value;
  const copy = value === undefined ? {} : structuredClone(value);
  if (validate(copy)) return copy;
  const issues = (validate.errors ?? []).map((error) => ({
    path: [field, ...error.instancePath.split('/').filter(Boolean)].join('.'),
    message: error.keyword === 'additionalProperties' ? `unknown field ${JSON.stringify((error.params as { additionalProperty: string }).additionalProperty)}` : (error.message ?? 'is invalid'),
  }));
  throw new InputError(`Invalid ${field} for module ${manifest.kind}/${manifest.id}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}.`, { issues });
}
