import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SetupError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { findExecutable, requireExecutable, runCommand, tail } from '../command';
import { freePort, isListening } from '../ports';
import { step } from '../progress';
import { ensureDebianPackages, type DebianPackage } from './debian-packages';

/**
 * The AWS Lambda Runtime Interface Emulator and a Python with `awslambdaric`: a real
 * Lambda-compatible Invoke API on this machine, which the `aws-lambda` worker adapter is
 * tested against. Both are built into the data dir once, pinned, like the Temporal CLI.
 */
export const LAMBDA_RIE_VERSION = 'v0.0.0-20261030222936-bef5c4ba774d';
const RIE_MODULE = 'github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie';
/** awslambdaric and what it pulls in, pinned (it ships manylinux wheels: nothing compiles). */
export const AWSLAMBDARIC_REQUIREMENTS = ['awslambdaric==4.2.2', 'simplejson==4.3.0', 'snapshot-restore-py==1.0.0'];

export function lambdaRiePath(dataDir: string): string {
  return path.join(dataDir, 'bin', 'aws-lambda-rie');
}

export function lambdaVenvDir(dataDir: string): string {
  return path.join(dataDir, 'lambda-python');
}

function marker(file: string): string {
  return `${file}.version`;
}

function recorded(file: string): string | undefined {
  return existsSync(file) && existsSync(marker(file)) ? readFileSync(marker(file), 'utf8').trim() : undefined;
}

/**
 * Builds the RIE into `<dataDir>/bin` with `go install` unless the pinned version is there.
 * Throws SetupError when Go is missing or the build fails (the Go module proxy does not answer).
 */
export async function ensureLambdaRie(dataDir: string, logger: Logger): Promise<string> {
  const binary = lambdaRiePath(dataDir);
  if (recorded(binary) === LAMBDA_RIE_VERSION) {
    logger.info({ step: 'lambda-rie', binary }, `lambda-rie: ${LAMBDA_RIE_VERSION} already built`);
    return binary;
  }
  const go = requireExecutable('go', 'install Go 1.23 or newer (apt-get install golang-go, or the official tarball) to build the Lambda Runtime Interface Emulator');
  mkdirSync(path.dirname(binary), { recursive: true });
  rmSync(marker(binary), { force: true });
  await step(logger, 'lambda-rie', `building aws-lambda-rie ${LAMBDA_RIE_VERSION} with go install`, async () => {
    const env = { ...process.env, CGO_ENABLED: '0', GOBIN: path.dirname(binary), GOFLAGS: '-buildvcs=false' };
    const { code, output } = await runCommand(go, ['install', `${RIE_MODULE}@${LAMBDA_RIE_VERSION}`], { env, timeoutMs: 15 * 60_000 });
    if (code !== 0 || !existsSync(binary)) {
      throw new SetupError(`go install ${RIE_MODULE}@${LAMBDA_RIE_VERSION} failed; check that the Go module proxy (GOPROXY) answers. Last lines:\n${tail(output)}`);
    }
    writeFileSync(marker(binary), LAMBDA_RIE_VERSION);
  });
  return binary;
}

/** The venv module of the system CPython (Debian splits it out of python3). */
export const VENV_PACKAGE: DebianPackage = {
  name: 'python3-venv',
  present: () => readdirSafe('/usr/lib').some((dir) => /^python3\.\d+$/.test(dir) && existsSync(path.join('/usr/lib', dir, 'ensurepip'))),
};

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * A venv in the data dir with the pinned awslambdaric, made from the system CPython (its real
 * path, not a version-manager shim). Returns the venv's python. Throws SetupError when the
 * venv or the install fails (PyPI does not answer).
 */
export async function ensureLambdaPython(dataDir: string, logger: Logger): Promise<string> {
  const venv = lambdaVenvDir(dataDir);
  const python = path.join(venv, 'bin', 'python');
  const wanted = AWSLAMBDARIC_REQUIREMENTS.join(' ');
  if (recorded(python) === wanted) {
    logger.info({ step: 'lambda-python', venv }, `lambda-python: ${AWSLAMBDARIC_REQUIREMENTS[0]} already installed`);
    return python;
  }
  const system = findExecutable('/usr/bin/python3') ?? requireExecutable('python3', 'install python3 (apt-get install python3 python3-venv)');
  if (system === '/usr/bin/python3') await ensureDebianPackages([VENV_PACKAGE], logger);
  await step(logger, 'lambda-python', `making a venv with ${wanted}`, async () => {
    rmSync(venv, { recursive: true, force: true });
    const made = await runCommand(system, ['-m', 'venv', venv], { timeoutMs: 5 * 60_000 });
    if (made.code !== 0) throw new SetupError(`${system} -m venv ${venv} failed (is python3-venv installed?). Last lines:\n${tail(made.output)}`);
    const installed = await runCommand(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--only-binary=:all:', ...AWSLAMBDARIC_REQUIREMENTS], { timeoutMs: 10 * 60_000 });
    if (installed.code !== 0) throw new SetupError(`pip install ${wanted} failed; check that PyPI answers. Last lines:\n${tail(installed.output)}`);
    writeFileSync(marker(python), wanted);
  });
  return python;
}

export interface LambdaEmulator {
  /** The Invoke API's base URL: `POST {url}/2015-03-31/functions/function/invocations`. */
  url: string;
  /** What the emulator and the function printed (the RIE keeps the function's logs to itself). */
  output(): string;
  close(): Promise<void>;
}

export interface LambdaEmulatorOptions {
  dataDir: string;
  /** Directory holding the handler's module; it is the function's working directory. */
  handlerDir: string;
  /** `module.function`, e.g. `app.handler`. */
  handler: string;
  /** Lambda's own timeout for each invocation (`AWS_LAMBDA_FUNCTION_TIMEOUT`). */
  timeoutSeconds?: number;
  logger: Logger;
}

/**
 * Provisions (if needed) and starts `aws-lambda-rie <venv python> -m awslambdaric <handler>` on a
 * free loopback port, and waits until it listens. Throws SetupError when it does not within 20 s.
 */
export async function startLambdaEmulator(options: LambdaEmulatorOptions): Promise<LambdaEmulator> {
  const rie = await ensureLambdaRie(options.dataDir, options.logger);
  const python = await ensureLambdaPython(options.dataDir, options.logger);
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_LAMBDA_FUNCTION_TIMEOUT: String(options.timeoutSeconds ?? 30),
    LOG_LEVEL: 'warn',
  };
  const child: ChildProcess = spawn(rie, ['--runtime-interface-emulator-address', `127.0.0.1:${port}`, python, '-m', 'awslambdaric', options.handler], {
    cwd: options.handlerDir, env, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-65536);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 3000)))]);
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const deadline = Date.now() + 20_000;
  while (!(await isListening(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await close();
      throw new SetupError(`aws-lambda-rie did not listen on 127.0.0.1:${port}. Output:\n${tail(output)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url: `http://127.0.0.1:${port}`, output: () => output, close };
}
