import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeFromTemplate } from '../../../cli/module-commands';
import { generateSigningKey, keyIdOf, signModuleDir, SIGNATURE_FILE, verifyModuleDir, type TrustedKey } from '../../../modules/hub/signature';

describe('module signatures (signModuleDir / verifyModuleDir)', () => {
  let root: string;
  const publisher = generateSigningKey();
  const stranger = generateSigningKey();
  const trusted: TrustedKey[] = [{ name: 'publisher', publicKey: publisher.publicKeyPem }];
  const policy = { trustedKeys: trusted, allowUnsigned: false };
  const expected = { package: 'pyfaas-scaling-signed', version: '0.1.0' };

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'pyfaas-signature-test-'));
  });
  afterAll(() => fs.rm(root, { recursive: true, force: true }));

  let count = 0;
  /** A module package holding only what npm packs (as an unpacked tarball does), signed unless told otherwise. */
  async function modulePackage(options: { name?: string; signWith?: string | null } = {}): Promise<string> {
    const dir = path.join(root, `pkg-${(count += 1)}`);
    await writeFromTemplate('scaling', { id: 'signed', name: options.name ?? expected.package, dir });
    await fs.rm(path.join(dir, 'test'), { recursive: true });
    if (options.signWith !== null) await signModuleDir(dir, options.signWith ?? publisher.privateKeyPem);
    return dir;
  }

  async function refusal(dir: string, against = expected, with_ = policy): Promise<{ code: string; status: number; details: Record<string, unknown>; message: string }> {
    try {
      await verifyModuleDir(dir, against, with_);
    } catch (err) {
      return err as never;
    }
    throw new Error('verifyModuleDir accepted the package');
  }

  it('signs exactly the files npm packs and verifies with the trusted key, naming the signer', async () => {
    const dir = await modulePackage();
    const signature = JSON.parse(await fs.readFile(path.join(dir, SIGNATURE_FILE), 'utf8'));
    expect(Object.keys(signature.files).sort()).toEqual(['README.md', 'index.js', 'package.json']);
    expect(signature).toMatchObject({ format: 'pyfaas-module-signature/1', package: expected.package, version: '0.1.0', keyId: publisher.keyId });
    expect(await verifyModuleDir(dir, expected, policy)).toEqual({ signed: true, signer: { keyId: publisher.keyId, name: 'publisher' } });
  });

  it('refuses a package signed by a key the policy does not trust', async () => {
    const dir = await modulePackage({ signWith: stranger.privateKeyPem });
    const err = await refusal(dir);
    expect(err).toMatchObject({ code: 'MODULE_SIGNATURE_INVALID', status: 403, details: { reason: 'untrusted-key', keyId: stranger.keyId } });
    expect(err.message).toContain(`signed by key ${stranger.keyId}, which the module policy does not trust`);
  });

  it('refuses a package with a file changed after signing, naming the file', async () => {
    const dir = await modulePackage();
    await fs.appendFile(path.join(dir, 'index.js'), '\n// sneaked in\n');
    expect(await refusal(dir)).toMatchObject({ code: 'MODULE_SIGNATURE_INVALID', details: { reason: 'files-changed', files: ['index.js'] } });
  });

  it('refuses a package with a file added after signing, and one with a signed file removed', async () => {
    const added = await modulePackage();
    await fs.mkdir(path.join(added, 'lib'));
    await fs.writeFile(path.join(added, 'lib', 'extra.js'), 'module.exports = 1;\n');
    expect(await refusal(added)).toMatchObject({ details: { reason: 'files-changed', files: ['lib/extra.js'] } });
    const removed = await modulePackage();
    await fs.rm(path.join(removed, 'README.md'));
    expect(await refusal(removed)).toMatchObject({ details: { reason: 'files-changed', files: ['README.md'] } });
  });

  it('refuses a package whose signature file was rewritten to match edited files (the signature no longer verifies)', async () => {
    const dir = await modulePackage();
    await fs.writeFile(path.join(dir, 'index.js'), 'module.exports = { create() { return {}; } };\n');
    const file = path.join(dir, SIGNATURE_FILE);
    const signature = JSON.parse(await fs.readFile(file, 'utf8'));
    signature.files['index.js'] = require('node:crypto').createHash('sha512').update(await fs.readFile(path.join(dir, 'index.js'))).digest('hex');
    await fs.writeFile(file, JSON.stringify(signature));
    expect(await refusal(dir)).toMatchObject({ details: { reason: 'bad-signature', keyId: publisher.keyId } });
  });

  it('refuses an unsigned package unless the policy allows unsigned modules', async () => {
    const dir = await modulePackage({ signWith: null });
    const err = await refusal(dir);
    expect(err).toMatchObject({ code: 'MODULE_SIGNATURE_INVALID', details: { reason: 'missing' } });
    expect(err.message).toContain('is not signed');
    expect(await verifyModuleDir(dir, expected, { trustedKeys: trusted, allowUnsigned: true })).toEqual({ signed: false });
  });

  it('refuses a signature copied onto another package, even with identical files', async () => {
    const original = await modulePackage();
    const other = await modulePackage({ name: 'pyfaas-scaling-impostor', signWith: null });
    await fs.copyFile(path.join(original, SIGNATURE_FILE), path.join(other, SIGNATURE_FILE));
    const err = await refusal(other, { package: 'pyfaas-scaling-impostor', version: '0.1.0' });
    expect(err).toMatchObject({ details: { reason: 'other-package' } });
    expect(err.message).toContain(`was made for ${expected.package}@0.1.0`);
    expect(await refusal(original, { package: expected.package, version: '0.2.0' })).toMatchObject({ details: { reason: 'other-package' } });
  });

  it('refuses a signature file that is not JSON or not of the signature format', async () => {
    const dir = await modulePackage();
    await fs.writeFile(path.join(dir, SIGNATURE_FILE), 'not json');
    expect(await refusal(dir)).toMatchObject({ details: { reason: 'malformed' } });
    await fs.writeFile(path.join(dir, SIGNATURE_FILE), JSON.stringify({ format: 'pyfaas-module-signature/1', package: expected.package }));
    expect(await refusal(dir)).toMatchObject({ details: { reason: 'malformed' } });
  });

  it('will not sign a package whose files list leaves the signature out, nor with a key that is not ed25519', async () => {
    const dir = await modulePackage({ signWith: null });
    const file = path.join(dir, 'package.json');
    const pkg = JSON.parse(await fs.readFile(file, 'utf8'));
    pkg.files = ['index.js', 'README.md'];
    await fs.writeFile(file, JSON.stringify(pkg));
    await expect(signModuleDir(dir, publisher.privateKeyPem)).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining(`add it to the "files"`) });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await expect(signModuleDir(await modulePackage({ signWith: null }), rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('ed25519; this one is rsa') });
    expect(() => keyIdOf(rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString())).toThrow(/ed25519; this one is rsa/);
  });

  it('gives a key a stable 16-hex-digit id from its public half', () => {
    expect(publisher.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(keyIdOf(publisher.publicKeyPem)).toBe(publisher.keyId);
    expect(stranger.keyId).not.toBe(publisher.keyId);
  });
});
