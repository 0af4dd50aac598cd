import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import { InputError } from '../../common/errors';

/** How a PyFaaS process reaches Temporal over TLS (config `temporal.tls`); all paths are PEM files. */
export interface TemporalClientTls {
  /** TLS with no file given: the server's certificate is checked against the system's CAs. */
  enabled?: boolean;
  /** The CA that signed the server's certificate (unset: the system's CAs). */
  ca?: string;
  /** This client's certificate and key, for a frontend that requires client certificates (mTLS). */
  cert?: string;
  key?: string;
  /** The name the server's certificate must carry, when it is not the address's host. */
  serverName?: string;
}

export interface TemporalTarget {
  address: string;
  tls?: TemporalClientTls;
}

/** The options `Connection.connect` and `NativeConnection.connect` both take. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig;
}

export function usesTls(tls: TemporalClientTls | undefined): boolean {
  return Boolean(tls && (tls.enabled ?? (tls.ca !== undefined || tls.cert !== undefined)));
}

/** Reads a PEM file named by the config; a missing or unreadable one is an InputError naming it and its setting. */
export function readPemFile(file: string, setting: string): Buffer {
  let pem: Buffer;
  try {
    pem = readFileSync(file);
  } catch (err) {
    throw new InputError(`Cannot read ${file} (${setting}): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`);
  }
  if (!pem.toString('utf8').includes('-----BEGIN ')) throw new InputError(`${file} (${setting}) is not a PEM file.`);
  return pem;
}

/**
 * Turns the configured address and TLS files into connection options: the one way every
 * PyFaaS process (worker, API, bridge, the stack's own probes) connects to Temporal.
 * Throws InputError when a named file is missing, unreadable or not PEM.
 */
export function temporalConnectionOptions(target: TemporalTarget): TemporalConnectionOptions {
  const { address, tls } = target;
  if (!tls || !usesTls(tls)) return { address };
  const config: TLSConfig = {};
  if (tls.serverName) config.serverNameOverride = tls.serverName;
  if (tls.ca) config.serverRootCACertificate = readPemFile(tls.ca, 'temporal.tls.ca, PYFAAS_TEMPORAL_TLS_CA');
  if (tls.cert && tls.key) {
    config.clientCertPair = {
      crt: readPemFile(tls.cert, 'temporal.tls.cert, PYFAAS_TEMPORAL_TLS_CERT'),
      key: readPemFile(tls.key, 'temporal.tls.key, PYFAAS_TEMPORAL_TLS_KEY'),
    };
  }
  return { address, tls: config };
}
