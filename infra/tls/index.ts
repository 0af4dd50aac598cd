/** TLS to Temporal: the one way to turn config into connection options, the server side, and a dev cluster's certificates. */
export { readPemFile, temporalConnectionOptions, usesTls, type TemporalClientTls, type TemporalConnectionOptions, type TemporalTarget } from './temporal-connection';
export { temporalServerTls, type TemporalServerTls } from './server-tls';
export { DEV_CERT_FILES, generateDevCerts, subjectAltNames, type DevCertOptions, type DevCerts } from './dev-certs';
