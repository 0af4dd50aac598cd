import { InputError } from '../../common/errors';
import type { Config } from '../config';
import type { TemporalFrontendTls } from '../services/temporal-server-config';
import { readPemFile, type TemporalClientTls } from './temporal-connection';

export interface TemporalServerTls {
  frontend: TemporalFrontendTls;
  client: TemporalClientTls;
}

/**
 * The server-mode frontend's TLS from config (`stack.temporalTls`, and `temporal.tls` for the
 * clients' side), each file checked readable now rather than when the server fails on it.
 * Undefined when no server certificate is configured. Throws InputError naming the file or the
 * missing setting (mTLS without a client certificate for PyFaaS itself).
 */
export function temporalServerTls(config: Pick<Config, 'stack' | 'temporal'>): TemporalServerTls | undefined {
  const { cert, key, clientCa } = config.stack.temporalTls;
  if (!cert || !key) return undefined;
  readPemFile(cert, 'stack.temporalTls.cert, PYFAAS_TEMPORAL_SERVER_TLS_CERT');
  readPemFile(key, 'stack.temporalTls.key, PYFAAS_TEMPORAL_SERVER_TLS_KEY');
  if (clientCa) {
    readPemFile(clientCa, 'stack.temporalTls.clientCa, PYFAAS_TEMPORAL_SERVER_TLS_CLIENT_CA');
    if (!config.temporal.tls.cert) {
      throw new InputError('The Temporal frontend requires client certificates (PYFAAS_TEMPORAL_SERVER_TLS_CLIENT_CA) but PyFaaS has none: set PYFAAS_TEMPORAL_TLS_CERT and PYFAAS_TEMPORAL_TLS_KEY.');
    }
  }
  // The frontend is on TLS, so PyFaaS's own connections are too, whatever temporal.tls.enabled says.
  return { frontend: { cert, key, clientCa }, client: { ...config.temporal.tls, enabled: true } };
}
