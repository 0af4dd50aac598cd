import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError } from '../../common/errors';
import { loadConfig } from '../../infra/config';

describe('loadConfig', () => {
  it('gives the embedded defaults: role all, SQLite in the data dir', () => {
    const config = loadConfig({ PYFAAS_DATA_DIR: '/tmp/pyfaas-x' });
    expect(config.role).toBe('all');
    expect(config.api.port).toBe(8080);
    expect(config.temporal.address).toBe('127.0.0.1:7233');
    expect(config.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(config.database.url).toBe('sqlite:/tmp/pyfaas-x/meta.sqlite');
  });

  it('reads PYFAAS_* variables over the file, and splits broker lists', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
    const file = path.join(dir, 'pyfaas.json');
    writeFileSync(file, JSON.stringify({ api: { port: 9000 }, role: 'worker' }));
    const config = loadConfig({ PYFAAS_CONFIG: file, PYFAAS_ROLE: 'api', PYFAAS_KAFKA_BROKERS: 'a:1, b:2' });
    expect(config.api.port).toBe(9000);
    expect(config.role).toBe('api');
    expect(config.kafka.brokers).toEqual(['a:1', 'b:2']);
  });

  it('is frozen', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.api)).toBe(true);
  });

  it('names the variable and the bad value in one sentence', () => {
    expect(() => loadConfig({ PYFAAS_API_PORT: 'eighty' })).toThrow(InputError);
    expect(() => loadConfig({ PYFAAS_API_PORT: 'eighty' })).toThrow(/PYFAAS_API_PORT \(api\.port\).*"eighty"/);
    expect(() => loadConfig({ PYFAAS_API_PORT: '70000' })).toThrow(/PYFAAS_API_PORT/);
    expect(() => loadConfig({ PYFAAS_ROLE: 'boss' })).toThrow(/PYFAAS_ROLE \(role\)/);
    expect(() => loadConfig({ PYFAAS_DATABASE_URL: 'mysql://x' })).toThrow(/must start with sqlite: or postgres/);
    expect(() => loadConfig({ PYFAAS_TEMPORAL_ADDRESS: 'no-port' })).toThrow(/must be host:port/);
    expect(() => loadConfig({ PYFAAS_WORKFLOW_TASK_SLOTS: '1' })).toThrow(/PYFAAS_WORKFLOW_TASK_SLOTS \(worker\.workflowTaskSlots\).*greater than or equal to 2/);
  });

  it('rejects a config file that is missing, not JSON, or has unknown keys', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
    expect(() => loadConfig({ PYFAAS_CONFIG: path.join(dir, 'absent.json') })).toThrow(/does not exist/);
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{ not json');
    expect(() => loadConfig({ PYFAAS_CONFIG: bad })).toThrow(/is not a JSON object/);
    const unknown = path.join(dir, 'unknown.json');
    writeFileSync(unknown, JSON.stringify({ colour: 'blue' }));
    expect(() => loadConfig({ PYFAAS_CONFIG: unknown })).toThrow(/unrecognized key/i);
  });
});
