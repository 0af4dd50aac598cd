/**
 * The built-in modules are declared like hub modules: a package.json-shaped `<id>.module.json`
 * beside their code, whose configSchema says exactly what the module's own parser accepts.
 * Each table row is a config the platform would be handed (raw, as the enforcement sites pass it).
 */
import { Client, Connection } from '@temporalio/client';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError } from '../../common/errors';
import { silentLogger } from '../../common/logger';
import { loadConfig } from '../../infra/config';
import type { AuthModule, AuthModuleFactory } from '../../modules/auth/contract';
import { compileConfigSchema, validateModuleConfig } from '../../modules/config-schema';
import { MetaStore } from '../../modules/meta';
import { ChangeFeed } from '../../modules/meta/revisions';
import type { ModuleManifest } from '../../modules/model';
import type { ModuleRegistry } from '../../modules/registry';
import type { ScalingModule } from '../../modules/scaling';
import type { TriggerKindFactory } from '../../modules/trigger/contract';
import { defaultRegistry } from '../../process/platform';
import { testServices } from '../support/services';

const MODULES_DIR = path.resolve(__dirname, '../../modules');

interface Declaration {
  file: string;
  json: Record<string, any>;
}

/** Every `*.module.json` under modules/, keyed `kind/id`. */
function declarationFiles(): Map<string, Declaration> {
  const found = new Map<string, Declaration>();
  for (const name of fs.readdirSync(MODULES_DIR, { recursive: true }) as string[]) {
    if (!name.endsWith('.module.json')) continue;
    const file = path.join(MODULES_DIR, name);
    const json = JSON.parse(fs.readFileSync(file, 'utf8'));
    found.set(`${json.pyfaas.kind}/${json.pyfaas.id}`, { file, json });
  }
  return found;
}

const long = (n: number) => 'a'.repeat(n);

/** Configs every module's parser and schema must both refuse: wrong type, unknown field, out of range. */
const BAD: Record<string, unknown[]> = {
  'scaling/kpa': [
    { targetConcurrency: '1' }, { minInstances: true }, { target: 1 }, { targetConcurrency: 0 }, { targetConcurrency: 1001 },
    { minInstances: -1 }, { minInstances: 1.5 }, { maxInstances: 0 }, { maxInstances: 1001 }, { stableWindowMs: 999 },
    { stableWindowMs: 3_600_001 }, { panicWindowMs: 99 }, { panicThreshold: 1 }, { panicThreshold: 10.5 },
    { scaleToZeroAfterMs: -1 }, { scaleToZeroAfterMs: 86_400_001 }, { maxScaleDownRate: 1 }, [], 'kpa',
  ],
  'scaling/fixed': [{}, { instances: '2' }, { instances: 2, extra: 1 }, { instances: -1 }, { instances: 1001 }, { instances: 0.5 }, null],
  'trigger/http': [
    {}, { method: 'GET' }, { path: '/a' }, { method: 1, path: '/a' }, { method: 'GET', path: '/a', extra: true },
    { method: 'FETCH', path: '/a' }, { method: ' get', path: '/a' }, { method: 'GET', path: 'a' }, { method: 'GET', path: '/a/' },
    { method: 'GET', path: '//a' }, { method: 'GET', path: '/{rest+}/x' }, { method: 'GET', path: '/..' }, { method: 'GET', path: '/a/./b' },
    { method: 'GET', path: '/a{b}' }, { method: 'GET', path: '/{1a}' }, { method: 'GET', path: '/a b' }, { method: 'GET', path: `/${long(512)}` },
    { method: 'GET', path: '/a'.repeat(33) }, { method: 'GET', path: '/a', auth: 'none' }, { method: 'GET', path: '/a', mode: 'later' },
  ],
  'trigger/kafka': [
    {}, { topic: 'a', topicPattern: 'b' }, { topic: 5 }, { topic: 'a', extra: 1 }, { topic: '..' }, { topic: 'a b' }, { topic: long(250) },
    { topicPattern: '' }, { topicPattern: long(1001) }, { topic: 'a', groupId: '' }, { topic: 'a', groupId: 'has space' },
    { topic: 'a', startFrom: 'middle' }, { topic: 'a', maxInFlight: 0 }, { topic: 'a', maxInFlight: 10_001 }, { topic: 'a', maxInFlight: 1.5 },
    { topic: 'a', maxRecordBytes: 0 }, { topic: 'a', maxRecordBytes: 64 * 1024 * 1024 + 1 },
  ],
  'trigger/schedule': [
    {}, { cron: '* * * * *', interval: '1m' }, { cron: 5 }, { cron: '@daily', extra: 1 }, { cron: long(257) }, { interval: 999 },
    { interval: 1500 }, { interval: '5 m' }, { interval: '1w' }, { interval: true }, { interval: 10 * 366 * 86_400_000 + 1000 },
    { cron: '@daily', overlap: 'never' }, { cron: '@daily', timezone: 'Not a zone!' }, { cron: '@daily', timezone: 5 },
    { interval: '1m', catchupWindow: 9_999 }, { interval: '1m', jitter: -1 }, { interval: '1m', jitter: 0.5 },
  ],
  'auth/tokens': [
    { cacheSize: 0 }, { cacheSize: '10' }, { cacheSize: 1.5 }, { ttl: 5 }, { unknownCacheSize: 1_000_001 }, { flushIntervalMs: 99 },
    { flushIntervalMs: 600_001 },
  ],
};

/**
 * Rules across fields (or against a grammar, a clock or a time zone database) that JSON Schema
 * draft-07 cannot state: the parser refuses these and the schema does not, as the schemas'
 * descriptions say. Pinned so the descriptions stay true.
 */
const ONLY_THE_PARSER_REFUSES: Record<string, unknown[]> = {
  'scaling/kpa': [{ minInstances: 5, maxInstances: 4 }, { stableWindowMs: 10_000, panicWindowMs: 10_000 }],
  'trigger/http': [{ method: 'GET', path: '/{a}/{a}' }],
  'trigger/kafka': [{ topicPattern: '(' }],
  'trigger/schedule': [{ cron: '61 * * * *' }, { interval: '500ms' }, { cron: '@daily', timezone: 'Mars/Olympus' }, { interval: '1m', event: long(70_000) }],
};

/** Modules that take no configuration: no parser, and a schema that is a closed empty object. */
const NO_CONFIG = ['runtime/python3', 'runtime/nodejs20', 'worker/local-pool', 'worker/warm-first', 'worker/shared-queue'];

describe('built-in module declarations', () => {
  let registry: ModuleRegistry;
  let dataDir: string;
  let store: MetaStore;
  let connection: Connection;
  const declarations = declarationFiles();
  const opened: AuthModule[] = [];
  /** The module's own parser; its result is the parsed config (undefined: the module keeps it to itself). */
  const parsers = new Map<string, (config: unknown) => unknown>();

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'builtin-manifests-'));
    registry = defaultRegistry(loadConfig({ PYFAAS_DATA_DIR: dataDir }), silentLogger());
    store = await MetaStore.open(`sqlite:${path.join(dataDir, 'meta.sqlite')}`, silentLogger());
    const changes = new ChangeFeed(store, silentLogger());
    // A real client that connects only if used: parsing a trigger config never talks to Temporal.
    connection = Connection.lazy({ address: testServices().temporalAddress });
    const triggerDeps = { client: new Client({ connection }), taskQueue: 'builtin-manifests', logger: silentLogger() };
    for (const id of ['kpa', 'fixed']) parsers.set(`scaling/${id}`, (params) => registry.get<ScalingModule>('scaling', id).parseParams(params));
    for (const id of ['http', 'kafka', 'schedule']) {
      const kind = registry.get<TriggerKindFactory>('trigger', id)(triggerDeps);
      parsers.set(`trigger/${id}`, (config) => kind.parseConfig(config));
    }
    parsers.set('auth/tokens', (options) => {
      opened.push(registry.get<AuthModuleFactory>('auth', 'tokens')(options as Record<string, unknown>, { store, changes, logger: silentLogger() }));
      return undefined;
    });
  });
  afterAll(async () => {
    for (const auth of opened) await auth.close?.();
    await store.close();
    await connection.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const manifestOf = (key: string): ModuleManifest => {
    const [kind, id] = key.split('/') as [ModuleManifest['kind'], string];
    const found = registry.find(kind, id);
    if (!found) throw new Error(`${key} is not in the default registry`);
    return found.manifest;
  };

  it('has one declaration file per built-in of the default registry, and no other', () => {
    const builtIns = registry.list().filter((m) => m.source.type === 'built-in').map((m) => `${m.manifest.kind}/${m.manifest.id}`);
    expect(builtIns).toHaveLength(11);
    expect([...declarations.keys()].sort()).toEqual(builtIns.sort());
    expect([...Object.keys(BAD), ...NO_CONFIG].sort()).toEqual(builtIns.sort());
  });

  it.each([...declarationFiles().keys()])('%s: its manifest is its declaration file, package.json-shaped', (key) => {
    const { file, json } = declarations.get(key)!;
    const [kind, id] = key.split('/');
    expect(json.name).toBe(`@pyfaas/${kind}-${id}`);
    expect(Object.keys(json.pyfaas).sort()).toEqual(['configSchema', 'dependencies', 'id', 'kind', 'platform']);
    expect(manifestOf(key)).toEqual({
      kind, id, version: json.version, description: json.description, platform: '^0.1.0', dependencies: {}, configSchema: json.pyfaas.configSchema,
    });
    // `main` names the compiled entry: its TypeScript source sits beside the declaration.
    expect(json.main).toMatch(/^[a-z-]+\.js$/);
    expect(fs.existsSync(path.join(path.dirname(file), json.main.replace(/\.js$/, '.ts')))).toBe(true);
    expect(compileConfigSchema(manifestOf(key))).toEqual(expect.any(Function));
  });

  it.each(Object.keys(BAD))('%s: every example is accepted by the parser and the schema, with the same defaults', (key) => {
    const manifest = manifestOf(key);
    const examples = manifest.configSchema!.examples as unknown[];
    expect(examples.length).toBeGreaterThan(0);
    const parse = parsers.get(key)!;
    for (const example of examples) {
      const filled = validateModuleConfig(manifest, example, 'config');
      const parsed = parse(example);
      if (parsed === undefined) continue;
      // The schema's defaults are the parser's: filling them in first changes nothing it decides.
      expect(parse(filled)).toEqual(parsed);
      // What the platform stores (the parsed form) passes the schema again.
      expect(() => validateModuleConfig(manifest, parsed, 'config')).not.toThrow();
    }
  });

  describe.each(Object.entries(BAD))('%s refuses bad configs', (key, bad) => {
    it.each(bad.map((config) => [JSON.stringify(config).slice(0, 60), config]))('%s: in its parser and its schema', (_label, config) => {
      expect(() => parsers.get(key)!(config)).toThrow(InputError);
      expect(() => validateModuleConfig(manifestOf(key), config, 'config')).toThrow(InputError);
    });
  });

  it.each(Object.entries(ONLY_THE_PARSER_REFUSES))('%s: rules beyond JSON Schema are the parser\'s (and its description says so)', (key, configs) => {
    const manifest = manifestOf(key);
    expect(manifest.configSchema!.description).toMatch(/parser also/);
    for (const config of configs) {
      expect(() => parsers.get(key)!(config)).toThrow(InputError);
      expect(() => validateModuleConfig(manifest, config, 'config')).not.toThrow();
    }
  });

  it.each(NO_CONFIG)('%s takes no configuration: {} only', (key) => {
    const manifest = manifestOf(key);
    expect(validateModuleConfig(manifest, {}, 'config')).toEqual({});
    expect(() => validateModuleConfig(manifest, { idleTimeoutMs: 1000 }, 'config')).toThrow(/unknown field "idleTimeoutMs"/);
    expect(() => validateModuleConfig(manifest, [], 'config')).toThrow(InputError);
  });

  it('keeps the schema a guard on the raw input: the http trigger takes a method in any letter case', () => {
    const manifest = manifestOf('trigger/http');
    for (const method of ['get', 'Post', 'oPtIoNs', 'any']) {
      const config = { method, path: '/x' };
      expect(parsers.get('trigger/http')!(config)).toMatchObject({ method: method.toUpperCase() });
      expect(validateModuleConfig(manifest, config, 'config')).toEqual({ ...config, auth: 'api-key', mode: 'sync' });
    }
  });
});
