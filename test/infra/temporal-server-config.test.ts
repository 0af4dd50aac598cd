import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError } from '../../common/errors';
import { loadConfig } from '../../infra/config';
import { temporalServerArgsFor } from '../../infra/services/temporal-postgres-server';
import { temporalServerArgs, TUNED_DYNAMIC_CONFIG } from '../../infra/services/temporal-server';
import { temporalDynamicConfig, temporalServerConfig, type TemporalServerConfigOptions } from '../../infra/services/temporal-server-config';
import { temporalServerTls } from '../../infra/tls/server-tls';
import { temporalConnectionOptions } from '../../infra/tls/temporal-connection';
import { subjectAltNames } from '../../infra/tls/dev-certs';

const ports = {
  frontend: 7233, frontendHttp: 7243, frontendMembership: 26933, history: 7234, historyMembership: 26934,
  matching: 7235, matchingMembership: 26935, worker: 7239, workerMembership: 26939,
};
const base: TemporalServerConfigOptions = {
  host: '127.0.0.1', ports, historyShards: 4, postgres: { host: '127.0.0.1', port: 5433, user: 'postgres' }, dynamicConfigFile: '/x/dynamic.yaml',
};

function pemFile(dir: string, name: string, text = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('temporalServerConfig', () => {
  it('puts persistence and visibility on PostgreSQL with the chosen shard count, and each service on its ports', () => {
    const config = temporalServerConfig(base) as any;
    expect(config.persistence.numHistoryShards).toBe(4);
    expect(config.persistence.datastores['postgres-default'].sql).toMatchObject({ pluginName: 'postgres12', databaseName: 'temporal', connectAddr: '127.0.0.1:5433', user: 'postgres' });
    expect(config.persistence.datastores['postgres-visibility'].sql).toMatchObject({ pluginName: 'postgres12', databaseName: 'temporal_visibility' });
    expect(config.services.frontend.rpc).toEqual({ grpcPort: 7233, membershipPort: 26933, bindOnIP: '127.0.0.1', httpPort: 7243 });
    expect(config.services.history.rpc.grpcPort).toBe(7234);
    expect(config.services.worker.rpc.membershipPort).toBe(26939);
    expect(config.clusterMetadata.clusterInformation.active.rpcAddress).toBe('127.0.0.1:7233');
    expect(config.dynamicConfigClient.filepath).toBe('/x/dynamic.yaml');
    expect(config.global.tls).toBeUndefined();
  });

  it('turns on frontend TLS, and mTLS with a client CA; the system worker uses the clients\' certificate', () => {
    const tls = { frontend: { cert: '/c/server.pem', key: '/c/server-key.pem', clientCa: '/c/ca.pem' }, client: { ca: '/c/ca.pem', cert: '/c/client.pem', key: '/c/client-key.pem' } };
    const config = temporalServerConfig({ ...base, tls }) as any;
    expect(config.global.tls.frontend.server).toEqual({ certFile: '/c/server.pem', keyFile: '/c/server-key.pem', requireClientAuth: true, clientCaFiles: ['/c/ca.pem'] });
    expect(config.global.tls.systemWorker).toEqual({ certFile: '/c/client.pem', keyFile: '/c/client-key.pem', client: { serverName: '127.0.0.1', rootCaFiles: ['/c/ca.pem'] } });
    const tlsOnly = temporalServerConfig({ ...base, tls: { frontend: { cert: '/c/s.pem', key: '/c/k.pem' }, client: {} } }) as any;
    expect(tlsOnly.global.tls.frontend.server.requireClientAuth).toBe(false);
    expect(tlsOnly.global.tls.systemWorker).toEqual({ client: { serverName: '127.0.0.1', forceTLS: true } });
  });

  it('gives the real server the same dynamic config tuning as the dev server', () => {
    expect(temporalDynamicConfig()).toEqual({
      'system.enableActivityEagerExecution': [{ value: true }],
      'frontend.namespaceRPS': [{ value: 10000 }],
      'frontend.rps': [{ value: 10000 }],
      'history.transferProcessorMaxPollRPS': [{ value: 10000 }],
    });
    const devArgs = temporalServerArgs({ binary: 't', stateDir: '/s', logDir: '/l', host: '127.0.0.1', port: 7233, namespace: 'default' });
    for (const [key, value] of Object.entries(TUNED_DYNAMIC_CONFIG)) expect(devArgs).toContain(`${key}=${value}`);
  });

  it('starts the server from the generated config directory', () => {
    expect(temporalServerArgsFor('/state/temporal')).toEqual(['--root', '/state/temporal', '--config', 'config', '--env', 'pyfaas', '--allow-no-auth', 'start']);
  });
});

describe('Temporal config keys', () => {
  it('defaults to the dev server, and takes PYFAAS_TEMPORAL=server', () => {
    expect(loadConfig({}).stack.temporal).toBe('dev');
    expect(loadConfig({}).stack.temporalHistoryShards).toBe(4);
    expect(loadConfig({ PYFAAS_TEMPORAL: 'server' }).stack.temporal).toBe('server');
    expect(() => loadConfig({ PYFAAS_TEMPORAL: 'cluster' })).toThrow(/PYFAAS_TEMPORAL \(stack\.temporal\)/);
  });

  it('refuses a certificate without its key, and mTLS without a server certificate', () => {
    expect(() => loadConfig({ PYFAAS_TEMPORAL_TLS_CERT: '/c/client.pem' })).toThrow(/PYFAAS_TEMPORAL_TLS_KEY \(temporal\.tls\.key\) must be set together with cert/);
    expect(() => loadConfig({ PYFAAS_TEMPORAL_SERVER_TLS_KEY: '/c/k.pem' })).toThrow(/PYFAAS_TEMPORAL_SERVER_TLS_CERT/);
    expect(() => loadConfig({ PYFAAS_TEMPORAL_SERVER_TLS_CLIENT_CA: '/c/ca.pem' })).toThrow(/PYFAAS_TEMPORAL_SERVER_TLS_CERT \(stack\.temporalTls\.cert\) must be set when clientca is \(client certificates are checked only on a tls frontend\)/);
  });
});

describe('temporalConnectionOptions', () => {
  it('connects in plain text unless TLS is configured', () => {
    expect(temporalConnectionOptions({ address: 'h:1', tls: {} })).toEqual({ address: 'h:1' });
    expect(temporalConnectionOptions({ address: 'h:1', tls: { enabled: true } })).toEqual({ address: 'h:1', tls: {} });
  });

  it('reads the CA, the client pair and the server name', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tls-'));
    const ca = pemFile(dir, 'ca.pem');
    const cert = pemFile(dir, 'client.pem');
    const key = pemFile(dir, 'client-key.pem', '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n');
    const options = temporalConnectionOptions({ address: 'h:1', tls: { ca, cert, key, serverName: 'temporal.internal' } });
    expect(options.tls?.serverNameOverride).toBe('temporal.internal');
    expect(Buffer.from(options.tls!.serverRootCACertificate!).toString()).toContain('BEGIN CERTIFICATE');
    expect(Buffer.from(options.tls!.clientCertPair!.key).toString()).toContain('BEGIN PRIVATE KEY');
  });

  it('names a missing or non-PEM file and its setting', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tls-'));
    const missing = path.join(dir, 'nope.pem');
    expect(() => temporalConnectionOptions({ address: 'h:1', tls: { ca: missing } })).toThrow(InputError);
    expect(() => temporalConnectionOptions({ address: 'h:1', tls: { ca: missing } })).toThrow(`Cannot read ${missing} (temporal.tls.ca, PYFAAS_TEMPORAL_TLS_CA): ENOENT.`);
    const junk = pemFile(dir, 'junk.pem', 'hello');
    expect(() => temporalConnectionOptions({ address: 'h:1', tls: { ca: pemFile(dir, 'ca.pem'), cert: junk, key: junk } })).toThrow(`${junk} (temporal.tls.cert, PYFAAS_TEMPORAL_TLS_CERT) is not a PEM file.`);
  });
});

describe('temporalServerTls', () => {
  it('is off without a server certificate, and refuses mTLS when PyFaaS has no client certificate', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tls-'));
    const cert = pemFile(dir, 'server.pem');
    const key = pemFile(dir, 'server-key.pem');
    const ca = pemFile(dir, 'ca.pem');
    expect(temporalServerTls(loadConfig({}))).toBeUndefined();
    expect(() => temporalServerTls(loadConfig({ PYFAAS_TEMPORAL_SERVER_TLS_CERT: cert, PYFAAS_TEMPORAL_SERVER_TLS_KEY: key, PYFAAS_TEMPORAL_SERVER_TLS_CLIENT_CA: ca })))
      .toThrow(/requires client certificates .* set PYFAAS_TEMPORAL_TLS_CERT and PYFAAS_TEMPORAL_TLS_KEY/);
    const missing = path.join(dir, 'gone.pem');
    expect(() => temporalServerTls(loadConfig({ PYFAAS_TEMPORAL_SERVER_TLS_CERT: missing, PYFAAS_TEMPORAL_SERVER_TLS_KEY: key })))
      .toThrow(`Cannot read ${missing} (stack.temporalTls.cert, PYFAAS_TEMPORAL_SERVER_TLS_CERT): ENOENT.`);
    const tls = temporalServerTls(loadConfig({ PYFAAS_TEMPORAL_SERVER_TLS_CERT: cert, PYFAAS_TEMPORAL_SERVER_TLS_KEY: key, PYFAAS_TEMPORAL_TLS_CA: ca }));
    expect(tls).toEqual({ frontend: { cert, key, clientCa: undefined }, client: { ca, enabled: true } });
  });
});

describe('subjectAltNames', () => {
  it('lists names as DNS and addresses as IP entries, always with loopback', () => {
    expect(subjectAltNames(['temporal.internal', '10.0.0.5', '::1'])).toBe('DNS:localhost,IP:127.0.0.1,DNS:temporal.internal,IP:10.0.0.5,IP:::1');
    expect(() => subjectAltNames(['bad host'])).toThrow(InputError);
  });
});
