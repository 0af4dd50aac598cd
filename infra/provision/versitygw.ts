import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SetupError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { tail } from '../command';
import { freePort, isListening } from '../ports';
import { ensureGoBinaries } from './go-install';

/**
 * versitygw: an Apache-2.0 S3 API server over a plain directory (`posix` backend), the real
 * S3-compatible server the S3 object store is tested against. The newest tag on the Go module
 * proxy when pinned (its go.mod has no replace directive, so `go install` builds it).
 */
export const VERSITYGW_VERSION = '1.8.0';
const MODULE = 'github.com/versity/versitygw/cmd/versitygw';

export function versitygwPath(dataDir: string): string {
  return path.join(dataDir, 'bin', 'versitygw');
}

/**
 * Builds versitygw into `<dataDir>/bin` with `go install` unless the pinned version is there.
 * Throws SetupError when Go is missing or the build fails (the Go module proxy does not answer).
 */
export async function ensureVersitygw(dataDir: string, logger: Logger): Promise<string> {
  const binary = versitygwPath(dataDir);
  await ensureGoBinaries({ step: 'versitygw', what: 'versitygw', packages: { [MODULE]: path.basename(binary) }, version: VERSITYGW_VERSION, binDir: path.dirname(binary) }, logger);
  return binary;
}

export interface Versitygw {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  port: number;
  accessKeyId: string;
  secretAccessKey: string;
  /** The posix backend's root: each bucket is a folder in it. */
  dir: string;
  output(): string;
  /** Stops the server (SIGTERM, then SIGKILL after 3 s); the directory stays for a restart. */
  stop(): Promise<void>;
  /** Starts it again on the same port, directory and credentials. */
  restart(): Promise<void>;
  /** Stops it and removes the directory it made. */
  close(): Promise<void>;
}

/**
 * Starts versitygw on a free loopback port over a fresh temp directory with random
 * credentials (for tests), building it first when needed. Throws SetupError when it does
 * not listen within 20 s.
 */
export async function startVersitygw(dataDir: string, logger: Logger): Promise<Versitygw> {
  const binary = await ensureVersitygw(dataDir, logger);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pyfaas-versitygw-'));
  const port = await freePort();
  const accessKeyId = `pyfaas${randomBytes(6).toString('hex')}`;
  const secretAccessKey = randomBytes(24).toString('hex');
  let child: ChildProcess | undefined;
  let output = '';

  const start = async () => {
    // Credentials by environment, not argv: argv is visible to every user in `ps`.
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, ROOT_ACCESS_KEY: accessKeyId, ROOT_SECRET_KEY: secretAccessKey };
    child = spawn(binary, ['--port', `127.0.0.1:${port}`, 'posix', dir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-65536);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const deadline = Date.now() + 20_000;
    while (!(await isListening(port))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await stop();
        throw new SetupError(`versitygw did not listen on 127.0.0.1:${port}. Output:\n${tail(output)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const stop = async () => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 3000)))]);
    clearTimeout(timer);
    if (running.exitCode === null && running.signalCode === null) {
      running.kill('SIGKILL');
      await exited;
    }
  };
  await start();
  logger.info({ port, dir }, 'versitygw listening');
  return {
    endpoint: `http://127.0.0.1:${port}`, port, accessKeyId, secretAccessKey, dir,
    output: () => output,
    stop,
    restart: start,
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
