// @ts-check
'use strict';
/**
 * AWS Signature Version 4 (header form) with node:crypto only, so the module needs no AWS SDK.
 * Signs the method, path, query, the headers given plus host and x-amz-date, and the
 * payload's SHA-256. Checked against AWS's published test suite (get-vanilla, post-vanilla).
 */
const crypto = require('node:crypto');

/** @param {string | Buffer} data */
function sha256Hex(data) {
  return crypto.createHash('sha256').update(data).digest('hex');
}

/** @param {string | Buffer} key @param {string} data */
function hmac(key, data) {
  return crypto.createHmac('sha256', key).update(data, 'utf8').digest();
}

/** RFC 3986 percent-encoding, as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
function encodeRfc3986(/** @type {string} */ value) {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Each path segment encoded once (every service but S3 encodes twice: the path is already encoded once in the URL). */
function canonicalPath(/** @type {string} */ pathname) {
  if (!pathname) return '/';
  return pathname
    .split('/')
    .map((segment) => encodeRfc3986(decodeURIComponent(segment)))
    .join('/');
}

/** @param {URLSearchParams} params */
function canonicalQuery(params) {
  return [...params.entries()]
    .map(([k, v]) => [encodeRfc3986(k), encodeRfc3986(v)])
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** `20150830T123600Z` */
function amzDate(/** @type {Date} */ date) {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/**
 * @typedef {{ accessKeyId: string, secretAccessKey: string, sessionToken?: string }} AwsCredentials
 * @typedef {{ method: string, url: URL, headers?: Record<string, string>, body?: string | Buffer,
 *   credentials: AwsCredentials, region: string, service: string, date?: Date }} SignInput
 */

/**
 * The headers to send with the request: the ones given, plus x-amz-date, x-amz-security-token
 * (temporary credentials) and authorization. `host` is signed but not returned (fetch sets it
 * from the URL, to the same value).
 * @param {SignInput} input
 * @returns {{ headers: Record<string, string>, canonicalRequest: string, stringToSign: string }}
 */
function signRequest(input) {
  const date = amzDate(input.date ?? new Date());
  const day = date.slice(0, 8);
  /** @type {Record<string, string>} */
  const headers = {};
  for (const [name, value] of Object.entries(input.headers ?? {})) headers[name.toLowerCase()] = value;
  headers['x-amz-date'] = date;
  if (input.credentials.sessionToken) headers['x-amz-security-token'] = input.credentials.sessionToken;
  /** @type {Record<string, string>} */
  const signed = { ...headers, host: input.url.host };
  const names = Object.keys(signed).sort();
  const canonicalHeaders = names.map((name) => `${name}:${String(signed[name]).trim().replace(/\s+/g, ' ')}\n`).join('');
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    input.method.toUpperCase(),
    canonicalPath(input.url.pathname),
    canonicalQuery(input.url.searchParams),
    canonicalHeaders,
    signedHeaders,
    sha256Hex(input.body ?? ''),
  ].join('\n');
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', date, scope, sha256Hex(canonicalRequest)].join('\n');
  let key = hmac(`AWS4${input.credentials.secretAccessKey}`, day);
  for (const part of [input.region, input.service, 'aws4_request']) key = hmac(key, part);
  const signature = crypto.createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${input.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return { headers, canonicalRequest, stringToSign };
}

module.exports = { signRequest, sha256Hex, encodeRfc3986 };
