// @ts-check
/**
 * A PyFaaS meta module (see modules/meta/CONTRACT.md in PyFaaS): rules for the metadata of
 * functions. The function policy lists it in `metaChecks`; the platform shows it every create
 * and update, as the function would be after the change, before anything is written. It
 * refuses with a kit error (a 400 with its own code) and the request changes nothing.
 *
 * This one enforces labels and names: labels every function must carry, the values a label
 * may take, and a prefix every function name must start with. An update is held to the label
 * rules only when it changes labels, so functions made before the policy keep working until
 * someone edits their labels (the same rule the platform's own limits follow).
 */
const { id } = require('./package.json').pyfaas;

/** @typedef {{ requiredLabels: string[], allowedValues: Record<string, string[]>, namePrefix?: string }} Rules */
/**
 * What the platform shows (PyFaaS modules/meta/extension.ts): the function after the change, env names only.
 * @typedef {{ name: string, description: string, labels: Record<string, string>, runtime: string, handler: string, memoryMb: number, timeoutMs: number, maxConcurrency: number, allowNetwork: boolean, envNames: string[], scalingModule: string, executorModule: string | null }} FunctionMetadata
 */
/** @typedef {{ operation: 'create' | 'update', changed: string[] }} MetadataChange */
/** @typedef {new (message: string, details?: Record<string, unknown>) => Error} ErrorClass */
/** @typedef {{ errors: { InputError: ErrorClass } }} Kit */

const LABEL = /^[a-z0-9][a-z0-9._/-]{0,62}$/;
const PREFIX = /^[a-z][a-z0-9-]{0,30}$/;

module.exports = {
  /**
   * Returns the factory the platform calls with this module's config from the function policy.
   * @param {{ kit: Kit }} context
   */
  create({ kit }) {
    const { InputError } = kit.errors;

    /** The refusal callers see: 400 FUNCTION_METADATA_REFUSED, with every broken rule in `details.issues`. */
    class MetadataRefusedError extends InputError {
      code = 'FUNCTION_METADATA_REFUSED';
    }

    /**
     * @param {unknown} config
     * @returns {Rules}
     */
    function parseConfig(config) {
      const issues = [];
      if (config === null || typeof config !== 'object' || Array.isArray(config)) throw new InputError(`${id} config must be an object.`, { issues: [{ path: 'config', message: 'must be an object' }] });
      const { requiredLabels = [], allowedValues = {}, namePrefix, ...rest } = /** @type {Record<string, any>} */ (config);
      for (const key of Object.keys(rest)) issues.push({ path: `config.${key}`, message: 'unknown field' });
      if (!Array.isArray(requiredLabels) || !requiredLabels.every((label) => typeof label === 'string' && LABEL.test(label))) issues.push({ path: 'config.requiredLabels', message: 'must be a list of label names' });
      if (!allowedValues || typeof allowedValues !== 'object' || Array.isArray(allowedValues)) issues.push({ path: 'config.allowedValues', message: 'must map label names to lists of values' });
      else for (const [label, values] of Object.entries(allowedValues)) {
        if (!LABEL.test(label) || !Array.isArray(values) || values.length === 0 || !values.every((value) => typeof value === 'string')) issues.push({ path: `config.allowedValues.${label}`, message: 'must be a non-empty list of values for a label name' });
      }
      if (namePrefix !== undefined && (typeof namePrefix !== 'string' || !PREFIX.test(namePrefix))) issues.push({ path: 'config.namePrefix', message: 'must be lowercase letters, digits and -, starting with a letter' });
      if (issues.length > 0) throw new InputError(`Invalid ${id} config: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}.`, { issues });
      return { requiredLabels, allowedValues, ...(namePrefix === undefined ? {} : { namePrefix }) };
    }

    /**
     * @param {FunctionMetadata} fn
     * @param {MetadataChange} change
     * @param {Rules} rules
     */
    function brokenRules(fn, change, rules) {
      const issues = [];
      if (rules.namePrefix && change.operation === 'create' && !fn.name.startsWith(rules.namePrefix)) {
        issues.push({ path: 'name', message: `must start with ${JSON.stringify(rules.namePrefix)}` });
      }
      if (change.operation === 'create' || change.changed.includes('labels')) {
        for (const label of rules.requiredLabels) if (!fn.labels[label]) issues.push({ path: `labels.${label}`, message: 'is required' });
        for (const [label, values] of Object.entries(rules.allowedValues)) {
          const value = fn.labels[label];
          if (value !== undefined && !values.includes(value)) issues.push({ path: `labels.${label}`, message: `must be one of ${values.join(', ')}` });
        }
      }
      return issues;
    }

    /** @param {Record<string, unknown>} config */
    return (config) => {
      const rules = parseConfig(config);
      return {
        /**
         * @param {FunctionMetadata} fn
         * @param {MetadataChange} change
         */
        checkFunction(fn, change) {
          const issues = brokenRules(fn, change, rules);
          if (issues.length > 0) throw new MetadataRefusedError(`Function ${fn.name} breaks the ${id} rules: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}.`, { issues, module: `meta/${id}` });
        },
      };
    };
  },
};
