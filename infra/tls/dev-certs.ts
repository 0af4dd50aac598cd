import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { InputError, SetupError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { findExecutable, runCommand, tail } from '../command';
import { ensureDebianPackages, OPENSSL_PACKAGE } from '../provision/debian-packages';

/** The files `generateDevCerts` writes into its directory (keys mode 0600). */
export const DEV_CERT_FILES = {
  ca: 'ca.pem',
  caKey: 'ca-key.pem',
  serverCert: 'server.pem',
  serverKey: 'server-key.pem',
  clientCert: 'client.pem',
  clientKey: 'client-key.pem',
} as const;

export type DevCerts = { [K in keyof typeof DEV_CERT_FILES]: string };

export interface DevCertOptions {
  outDir: string;
  /** Names and addresses the server certificate is valid for (localhost and 127.0.0.1 are always added). */
  hosts: string[];
  /** The client certificate's common name (what a Temporal authorizer would see). */
  clientName?: string;
  days?: number;
  /** Replace certificates already in outDir. */
  force?: boolean;
}

const HOST = /^[A-Za-z0-9*]([A-Za-z0-9-.*]{0,251}[A-Za-z0-9])?$/;

/** `subjectAltName` for the hosts: IP entries for addresses, DNS entries for names. */
export function subjectAltNames(hosts: string[]): string {
  const all = [...new Set(['localhost', '127.0.0.1', ...hosts])];
  for (const host of all) if (!isIP(host) && !HOST.test(host)) throw new InputError(`${JSON.stringify(host)} is neither a host name nor an IP address.`);
  return all.map((host) => (isIP(host) ? `IP:${host}` : `DNS:${host}`)).join(',');
}

/**
 * Issues a development cluster's certificates with the `openssl` CLI (ensured from Debian):
 * a CA, a server certificate for the Temporal frontend valid for the given hosts, and a
 * client certificate for PyFaaS workers and API processes (mTLS), all signed by that CA with
 * P-256 keys. Throws InputError when a host is malformed or outDir already holds certificates
 * (unless force), SetupError when openssl fails.
 */
export async function generateDevCerts(options: DevCertOptions, logger: Logger): Promise<DevCerts> {
  const san = subjectAltNames(options.hosts);
  const files = Object.fromEntries(Object.entries(DEV_CERT_FILES).map(([key, name]) => [key, path.join(options.outDir, name)])) as DevCerts;
  const present = Object.values(files).filter((file) => existsSync(file));
  if (present.length > 0 && !options.force) throw new InputError(`${options.outDir} already holds certificates (${present.map((f) => path.basename(f)).join(', ')}); pass --force to replace them.`);
  await ensureDebianPackages([OPENSSL_PACKAGE], logger);
  const openssl = findExecutable('openssl') ?? 'openssl';
  mkdirSync(options.outDir, { recursive: true });
  const days = String(options.days ?? 825);
  const work = mkdtempSync(path.join(options.outDir, '.certs-'));
  const run = async (args: string[]) => {
    const { code, output } = await runCommand(openssl, args, { timeoutMs: 60_000 });
    if (code !== 0) throw new SetupError(`openssl ${args[0]} failed. Last lines:\n${tail(output)}`);
  };
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const issue = async (name: string, cert: string, key: string, extensions: string) => {
    const csr = path.join(work, `${name}.csr`);
    const ext = path.join(work, `${name}.ext`);
    writeFileSync(ext, extensions);
    await run(['req', ...newKey, '-keyout', key, '-out', csr, '-subj', `/CN=${name}`]);
    await run(['x509', '-req', '-in', csr, '-CA', files.ca, '-CAkey', files.caKey, '-CAcreateserial', '-CAserial', path.join(work, 'ca.srl'), '-out', cert, '-days', days, '-extfile', ext]);
  };
  try {
    await run([
      'req', '-x509', ...newKey, '-keyout', files.caKey, '-out', files.ca, '-days', days, '-subj', '/CN=PyFaaS development CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    const leaf = 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n';
    // clientAuth too: the server's certificate may also serve the server's own system worker.
    await issue(options.hosts[0] ?? 'localhost', files.serverCert, files.serverKey, `${leaf}extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=${san}\n`);
    await issue(options.clientName ?? 'pyfaas', files.clientCert, files.clientKey, `${leaf}extendedKeyUsage=clientAuth\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  for (const key of [files.caKey, files.serverKey, files.clientKey]) chmodSync(key, 0o600);
  logger.info({ dir: options.outDir, san }, `certificates written to ${options.outDir}`);
  return files;
}
