import zlib from 'node:zlib';
import { checkTokenFormat, generateToken, hashToken, looksLikePlatformToken, tokenHint } from '../../../../modules/auth/tokens';
import { tableCrc32 } from '../../../../modules/auth/tokens/format';

const SHAPE = /^pyf_[0-9A-Za-z]{32}_[0-9A-Za-z]{6}$/;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

describe('token format', () => {
  it('generates distinct tokens of the pyf_ shape that pass their own check', () => {
    const tokens = Array.from({ length: 200 }, generateToken);
    for (const token of tokens) {
      expect(token).toMatch(SHAPE);
      expect(checkTokenFormat(token)).toBe(true);
      expect(looksLikePlatformToken(token)).toBe(true);
    }
    expect(new Set(tokens).size).toBe(tokens.length);
  });

  it('uses the whole base62 alphabet', () => {
    const seen = new Set(Array.from({ length: 300 }, () => generateToken().slice(4, 36)).join(''));
    expect(seen.size).toBe(62);
  });

  it('refuses a token with any one random character changed: the checksum catches it', () => {
    const token = generateToken();
    for (let i = 4; i < 36; i++) {
      const other = BASE62[(BASE62.indexOf(token[i]) + 1) % 62];
      const changed = token.slice(0, i) + other + token.slice(i + 1);
      expect(checkTokenFormat(changed)).toBe(false);
    }
  });

  it('refuses a changed checksum, a wrong shape and other credentials', () => {
    const token = generateToken();
    const last = token.at(-1)!;
    expect(checkTokenFormat(token.slice(0, -1) + (last === 'a' ? 'b' : 'a'))).toBe(false);
    expect(checkTokenFormat(token.slice(0, -1))).toBe(false);
    expect(checkTokenFormat(`${token}x`)).toBe(false);
    expect(checkTokenFormat(token.replace('pyf_', 'pyx_'))).toBe(false);
    expect(checkTokenFormat(` ${token}`)).toBe(false);
    expect(checkTokenFormat('eyJhbGciOiJIUzI1NiJ9.e30.sig')).toBe(false);
    expect(looksLikePlatformToken('eyJhbGciOiJIUzI1NiJ9.e30.sig')).toBe(false);
    expect(looksLikePlatformToken('pyf_short')).toBe(true);
  });

  it('hashes with SHA-256 hex and hints with the last six characters only', () => {
    const token = generateToken();
    expect(hashToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashToken(token)).toBe(hashToken(token));
    expect(hashToken(token)).not.toBe(hashToken(generateToken()));
    expect(tokenHint(token)).toBe(`pyf_…${token.slice(-6)}`);
    expect(tokenHint(token).length).toBeLessThanOrEqual(16);
  });

  it('computes the same CRC32 with its table as zlib does', () => {
    for (const text of ['', 'a', 'pyf_abc', generateToken(), 'The quick brown fox jumps over the lazy dog']) {
      const data = Buffer.from(text);
      expect(tableCrc32(data)).toBe(zlib.crc32(data) >>> 0);
    }
    expect(tableCrc32(Buffer.from('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
  });
});
