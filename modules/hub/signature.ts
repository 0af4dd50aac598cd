/**
 * Module signatures. A module developer signs what npm will pack: `pyfaas module sign` lists
 * the package's files the way `npm pack` will (so the signature covers exactly what the hub
 * stores), hashes each with sha512, and signs `name@version` plus the digest of that listing
 * with an ed25519 key, writing `pyfaas-signature.json` beside package.json; `npm publish`
 * then packs it with the rest. npm's own `dist.integrity` covers the tarball in transit and
 * at rest (checked separately on install); the signature says who published it.
 *
 * Why not sign `dist.integrity` itself: it is the digest of the tarball that would have to
 * hold the signature, so the signature would have to live outside the package, and a stock
 * npm registry has no place for it.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { InputError } from '../../common/errors';
import { ModuleSignatureError } from '../errors';

export const SIGNATURE_FILE = 'pyfaas-signature.json';
const FORMAT = 'pyfaas-module-signature/1';

export interface ModuleSignature {
  format: typeof FORMAT;
  package: string;
  version: string;
  /** The signing key's id (keyIdOf). */
  keyId: string;
  /** Each signed file's sha512, hex, by its path inside the package. */
  files: Record<string, string>;
  /** ed25519 over signedMessage(), base64. */
  signature: string;
}

export interface TrustedKey {
  /** Who the key belongs to, for people. */
  name: string;
  publicKey: string;
}

export interface SigningKey {
  keyId: string;
  publicKeyPem: string;
  privateKeyPem: string;
}

export function generateSigningKey(): SigningKey {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return { keyId: keyIdOf(publicKeyPem), publicKeyPem, privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/** A short, stable id: the first 16 hex digits of the sha256 of the key's SPKI bytes. Throws InputError for a key that is not ed25519. */
export function keyIdOf(publicKeyPem: string): string {
  const key = publicKeyOf(publicKeyPem);
  return createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

function publicKeyOf(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    throw new InputError(`Not a public key in PEM form (${(err as Error).message}).`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new InputError(`Module signing keys are ed25519; this one is ${key.asymmetricKeyType}.`);
  return key;
}

function signedMessage(signature: Pick<ModuleSignature, 'package' | 'version' | 'files'>): Buffer {
  const listing = Object.keys(signature.files)
    .sort()
    .map((file) => `${file}\0${signature.files[file]}\n`)
    .join('');
  return Buffer.from(`${FORMAT}\n${signature.package}@${signature.version}\n${createHash('sha512').update(listing).digest('hex')}\n`);
}

/** The files `npm pack` would put in the package at `dir` (prepack scripts not run). */
export async function packedFiles(dir: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: dir, maxBuffer: 64 * 1024 * 1024 });
  const [report] = JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>;
  return report.files.map((file) => file.path);
}

async function hashFiles(dir: string, files: string[]): Promise<Record<string, string>> {
  const hashes: Record<string, string> = {};
  for (const file of files.filter((f) => f !== SIGNATURE_FILE).sort()) {
    hashes[file] = createHash('sha512').update(await fs.readFile(path.join(dir, file))).digest('hex');
  }
  return hashes;
}

/**
 * Signs the package at `dir` with an ed25519 private key (PEM) and writes SIGNATURE_FILE
 * there. Throws InputError when the package's `files` list would leave the signature out.
 */
export async function signModuleDir(dir: string, privateKeyPem: string): Promise<ModuleSignature> {
  const pkg = JSON.parse(await fs.readFile(path.join(dir, 'package.json'), 'utf8')) as { name: string; version: string };
  const privateKey = createPrivateKey(privateKeyPem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new InputError(`Module signing keys are ed25519; this one is ${privateKey.asymmetricKeyType}.`);
  await fs.writeFile(path.join(dir, SIGNATURE_FILE), '{}\n'); // so `npm pack` lists it, or says it would not
  const files = await packedFiles(dir);
  if (!files.includes(SIGNATURE_FILE)) throw new InputError(`npm would not pack ${SIGNATURE_FILE}: add it to the "files" of ${pkg.name}'s package.json.`);
  const body = { package: pkg.name, version: pkg.version, files: await hashFiles(dir, files) };
  const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  const signature: ModuleSignature = { format: FORMAT, ...body, keyId: keyIdOf(publicKeyPem), signature: sign(null, signedMessage(body), privateKey).toString('base64') };
  await fs.writeFile(path.join(dir, SIGNATURE_FILE), `${JSON.stringify(signature, null, 2)}\n`);
  return signature;
}

export interface SignatureCheck {
  signed: boolean;
  /** The trusted key that signed it. */
  signer?: { keyId: string; name: string };
}

/**
 * Checks an unpacked package (`dir`, the tarball's `package/` folder) against the trusted
 * keys: the signature file names this package and version, lists exactly the files present
 * with their hashes, was made by a trusted key and verifies. A package without a signature
 * passes only when `allowUnsigned`. Throws ModuleSignatureError saying which check failed.
 */
export async function verifyModuleDir(dir: string, expected: { package: string; version: string }, policy: { trustedKeys: TrustedKey[]; allowUnsigned: boolean }): Promise<SignatureCheck> {
  const what = `${expected.package}@${expected.version}`;
  let raw: string;
  try {
    raw = await fs.readFile(path.join(dir, SIGNATURE_FILE), 'utf8');
  } catch {
    if (policy.allowUnsigned) return { signed: false };
    throw new ModuleSignatureError(`${what} is not signed (no ${SIGNATURE_FILE}), and the module policy does not allow unsigned modules.`, { reason: 'missing' });
  }
  const signature = parseSignature(raw, what);
  if (signature.package !== expected.package || signature.version !== expected.version) {
    throw new ModuleSignatureError(`${what}'s signature was made for ${signature.package}@${signature.version}.`, { reason: 'other-package' });
  }
  const trusted = policy.trustedKeys.find((key) => keyIdOf(key.publicKey) === signature.keyId);
  if (!trusted) throw new ModuleSignatureError(`${what} is signed by key ${signature.keyId}, which the module policy does not trust.`, { reason: 'untrusted-key', keyId: signature.keyId });
  const present = await listFiles(dir);
  const actual = await hashFiles(dir, present);
  const changed = [...new Set([...Object.keys(actual), ...Object.keys(signature.files)])].filter((file) => actual[file] !== signature.files[file]);
  if (changed.length > 0) throw new ModuleSignatureError(`${what}'s files do not match its signature: ${changed.slice(0, 5).join(', ')}${changed.length > 5 ? ', …' : ''}.`, { reason: 'files-changed', files: changed });
  if (!verify(null, signedMessage(signature), publicKeyOf(trusted.publicKey), Buffer.from(signature.signature, 'base64'))) {
    throw new ModuleSignatureError(`${what}'s signature does not verify with key ${signature.keyId} (${trusted.name}).`, { reason: 'bad-signature', keyId: signature.keyId });
  }
  return { signed: true, signer: { keyId: signature.keyId, name: trusted.name } };
}

function parseSignature(raw: string, what: string): ModuleSignature {
  let value: Partial<ModuleSignature>;
  try {
    value = JSON.parse(raw) as Partial<ModuleSignature>;
  } catch {
    throw new ModuleSignatureError(`${what}'s ${SIGNATURE_FILE} is not JSON.`, { reason: 'malformed' });
  }
  const files = value.files;
  const wellFormed =
    value.format === FORMAT &&
    typeof value.package === 'string' && typeof value.version === 'string' && typeof value.keyId === 'string' && typeof value.signature === 'string' &&
    !!files && typeof files === 'object' && !Array.isArray(files) && Object.values(files).every((hash) => typeof hash === 'string');
  if (!wellFormed) throw new ModuleSignatureError(`${what}'s ${SIGNATURE_FILE} is not a ${FORMAT} signature.`, { reason: 'malformed' });
  return value as ModuleSignature;
}

/** Every regular file under `dir`, as posix paths relative to it. */
async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await fs.readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) found.push(...(await listFiles(dir, relative)));
    else found.push(relative);
  }
  return found;
}
