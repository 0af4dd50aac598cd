import http from 'node:http';
import https from 'node:https';
import { CliError, EXIT, exitCodeForStatus } from './exit-codes';
import type { ClientConfig } from './config';

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  /** Sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Called as the body goes out: bytes written so far and the total. */
  onUpload?(sent: number, total: number): void;
}

export interface ApiResponse<T> {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: T;
}

/** The chunk the body is written in, so that upload progress has steps to report. */
const UPLOAD_CHUNK = 64 * 1024;

/** The path with its query string; undefined values are left out. */
export function withQuery(pathname: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `${pathname}?${text}` : pathname;
}

/** Encodes one path segment (a function, trigger or alias name the user typed). */
export function seg(value: string): string {
  return encodeURIComponent(value);
}

/**
 * The PyFaaS API over node:http (not fetch: the upload reports progress as it is written, and
 * a log stream reads the socket as it comes). Every answer outside 2xx becomes a CliError
 * carrying the API's error code and message and the exit code its status maps to; a refused
 * or dropped connection is UNREACHABLE (exit 6).
 */
export class ApiClient {
  constructor(readonly config: ClientConfig) {}

  async request<T = any>(method: string, pathname: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const response = await this.open(method, pathname, options);
    const text = await readAll(response);
    const status = response.statusCode ?? 0;
    const body = parseBody(text, response.headers['content-type']);
    if (status < 200 || status >= 300) throw apiError(status, body, text);
    return { status, headers: response.headers, body: body as T };
  }

  /** Sends the request and resolves with the response stream once its head arrives (any status). */
  open(method: string, pathname: string, options: RequestOptions = {}): Promise<http.IncomingMessage> {
    const url = new URL(`${this.config.url}${withQuery(pathname, options.query)}`);
    const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${this.config.token}`, ...options.headers };
    if (payload) Object.assign(headers, { 'content-type': 'application/json', 'content-length': String(payload.length) });
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = transport.request(url, { method: method.toUpperCase(), headers }, resolve);
      req.on('error', (err) => reject(unreachable(this.config.url, err)));
      if (!payload) return void req.end();
      writeInChunks(req, payload, options.onUpload).then(() => req.end(), reject);
    });
  }
}

async function writeInChunks(req: http.ClientRequest, payload: Buffer, onUpload?: (sent: number, total: number) => void): Promise<void> {
  for (let at = 0; at < payload.length; at += UPLOAD_CHUNK) {
    const chunk = payload.subarray(at, at + UPLOAD_CHUNK);
    if (!req.write(chunk)) await new Promise((resolve) => req.once('drain', resolve));
    onUpload?.(Math.min(at + UPLOAD_CHUNK, payload.length), payload.length);
  }
}

function readAll(stream: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', reject);
  });
}

function parseBody(text: string, contentType: string | undefined): unknown {
  if (!text) return undefined;
  if (!contentType?.includes('json')) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The API's `{error: {code, message}}` as a CliError; a body without one is named by its status. */
export function apiError(status: number, body: unknown, text = ''): CliError {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const code = typeof error?.code === 'string' ? error.code : `HTTP_${status}`;
  const message = typeof error?.message === 'string' ? error.message : text.trim().slice(0, 500) || `The API answered ${status}.`;
  return new CliError(code, message, exitCodeForStatus(status));
}

function unreachable(url: string, err: Error & { code?: string }): CliError {
  return new CliError('UNREACHABLE', `Cannot reach the API at ${url}: ${err.code ?? err.message}.`, EXIT.unavailable);
}
