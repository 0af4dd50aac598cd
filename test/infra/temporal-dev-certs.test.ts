import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError } from '../../common/errors';
import { silentLogger } from '../../common/logger';
import { generateDevCerts } from '../../infra/tls/dev-certs';

const openssl = (...args: string[]) => execFileSync('openssl', args, { encoding: 'utf8' });

describe('generateDevCerts', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'dev-certs-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('issues a CA, a frontend certificate for the hosts and a client certificate, keys private', async () => {
    const certs = await generateDevCerts({ outDir: dir, hosts: ['temporal.internal', '10.1.2.3'], clientName: 'worker-b' }, silentLogger());
    expect(openssl('verify', '-CAfile', certs.ca, certs.serverCert, certs.clientCert)).toMatch(/server\.pem: OK\n.*client\.pem: OK/);
    const server = openssl('x509', '-in', certs.serverCert, '-noout', '-ext', 'subjectAltName,extendedKeyUsage');
    expect(server).toContain('DNS:localhost, IP Address:127.0.0.1, DNS:temporal.internal, IP Address:10.1.2.3');
    expect(server).toContain('TLS Web Server Authentication');
    const client = openssl('x509', '-in', certs.clientCert, '-noout', '-subject', '-ext', 'extendedKeyUsage');
    expect(client).toMatch(/CN\s*=\s*worker-b/);
    expect(client).toContain('TLS Web Client Authentication');
    for (const key of [certs.caKey, certs.serverKey, certs.clientKey]) expect(statSync(key).mode & 0o777).toBe(0o600);
  });

  it('keeps certificates already there unless forced, and refuses a malformed host', async () => {
    await expect(generateDevCerts({ outDir: dir, hosts: [] }, silentLogger())).rejects.toThrow(/already holds certificates \(ca\.pem, .*\); pass --force/);
    await expect(generateDevCerts({ outDir: dir, hosts: [] }, silentLogger())).rejects.toBeInstanceOf(InputError);
    await expect(generateDevCerts({ outDir: path.join(dir, 'x'), hosts: ['no spaces allowed'] }, silentLogger())).rejects.toThrow('"no spaces allowed" is neither a host name nor an IP address.');
    await expect(generateDevCerts({ outDir: dir, hosts: [], force: true }, silentLogger())).resolves.toMatchObject({ ca: path.join(dir, 'ca.pem') });
  });
});
