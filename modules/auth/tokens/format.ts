/**
 * The PyFaaS API token format, after GitHub's: `pyf_` + 32 random base62 characters + `_` +
 * 6 base62 characters of the CRC32 of everything before that last `_`. The prefix lets secret
 * scanners and the auth gate recognise a token; the checksum lets a typo or a random guess be
 * refused without a database read. 32 base62 characters carry about 190 bits.
 */
import { createHash, randomBytes } from 'node:crypto';
import zlib from 'node:zlib';

export const TOKEN_PREFIX = 'pyf_';
const RANDOM_LENGTH = 32;
const CHECKSUM_LENGTH = 6;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SHAPE = new RegExp(`^${TOKEN_PREFIX}[0-9A-Za-z]{${RANDOM_LENGTH}}_[0-9A-Za-z]{${CHECKSUM_LENGTH}}$`);
/** The largest multiple of 62 that fits a byte: bytes at or above it are dropped, so no character is likelier than another. */
const UNBIASED_LIMIT = 256 - (256 % 62);

/** A new token; shown to its owner once, only its hash is kept. */
export function generateToken(): string {
  const body = `${TOKEN_PREFIX}${randomBase62(RANDOM_LENGTH)}`;
  return `${body}_${checksum(body)}`;
}

/** Whether `text` has the token's shape and a checksum that matches. */
export function checkTokenFormat(text: string): boolean {
  if (!SHAPE.test(text)) return false;
  const cut = text.length - CHECKSUM_LENGTH - 1;
  return checksum(text.slice(0, cut)) === text.slice(cut + 1);
}

/** What the meta store keeps: SHA-256 (hex) of the whole token. Tokens carry enough entropy that a slow hash adds nothing. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Enough of a token to tell it apart in a list (`pyf_…a1B2c3`), too little to use. */
export function tokenHint(token: string): string {
  return `${TOKEN_PREFIX}…${token.slice(-CHECKSUM_LENGTH)}`;
}

/** Whether a bearer credential claims to be a PyFaaS token (it may still be malformed). */
export function looksLikePlatformToken(text: string): boolean {
  return text.startsWith(TOKEN_PREFIX);
}

function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte >= UNBIASED_LIMIT) continue;
      out += BASE62[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/** CRC32 as 6 base62 digits (62^6 > 2^32), left-padded with 0. */
function checksum(text: string): string {
  let value = crc32(Buffer.from(text, 'utf8'));
  let out = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = BASE62[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}

// zlib.crc32 arrived in Node 20.15; the table version covers older 20.x releases.
const nativeCrc32: ((data: Buffer) => number) | undefined = typeof zlib.crc32 === 'function' ? (data) => zlib.crc32(data) >>> 0 : undefined;

let table: Uint32Array | undefined;

/** Exported for the test that checks the fallback against zlib's. */
export function tableCrc32(data: Buffer): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of data) crc = table[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function crc32(data: Buffer): number {
  return nativeCrc32 ? nativeCrc32(data) : tableCrc32(data);
}
