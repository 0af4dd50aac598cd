import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NODE_SHIM_DIR, nodeLaunch, parseNodeHandler } from '../../../modules/runtime/node/launch';
import { parsePythonHandler, PYTHON_SHIM_DIR, pythonLaunch } from '../../../modules/runtime/python/launch';
import { silentLogger } from '../../../common/logger';
import type { FunctionVersionSpec, InvocationRequest } from '../../../modules/worker/contract';
import { Instance, type ExecutableRuntime, type InstanceOptions } from '../../../modules/worker/instance';

/** The two runtimes as the execution layer sees them, built from their launch modules. */
export const RUNTIMES: Record<string, ExecutableRuntime> = {
  python3: { id: 'python3', shimDir: PYTHON_SHIM_DIR, parseHandler: parsePythonHandler, launch: pythonLaunch },
  node20: { id: 'node20', shimDir: NODE_SHIM_DIR, parseHandler: parseNodeHandler, launch: nodeLaunch },
};

const made: string[] = [];

/** Writes a function's files to a fresh temp dir (removed by removeFunctionDirs). */
export function writeFunction(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'pyfaas-fn-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  made.push(dir);
  return dir;
}

export function removeFunctionDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

let counter = 0;

/** A function version spec with test defaults: 128 MB, 5 s, no network. */
export function functionSpec(codeDir: string, overrides: Partial<FunctionVersionSpec> = {}): FunctionVersionSpec {
  counter += 1;
  return {
    functionName: `fn${counter}`,
    version: 1,
    codeDir,
    runtime: 'python3',
    handler: 'main.handler',
    env: {},
    memoryMb: 128,
    timeoutMs: 5_000,
    maxConcurrency: 4,
    allowNetwork: false,
    ...overrides,
  };
}

/** The pids that still exist, zombies included (an unreaped zombie is a leak too). */
export function runningPids(pids: number[]): number[] {
  return pids.filter((pid) => existsSync(`/proc/${pid}`));
}

export const PY_IDENTITY = { 'main.py': 'def handler(event, context):\n    return event\n' };
export const NODE_IDENTITY = { 'index.js': 'exports.handler = async (event) => event;\n' };

const started: Instance[] = [];

/** Starts an instance of a function written from `files`; stopInstances kills it. */
export async function startedInstance(
  files: Record<string, string>,
  overrides: Partial<FunctionVersionSpec> = {},
  options: Partial<InstanceOptions> = {},
): Promise<Instance> {
  const spec = functionSpec(writeFunction(files), overrides);
  const instance = new Instance({ id: `test-${spec.functionName}-${process.pid}`, spec, runtime: RUNTIMES[spec.runtime], logger: silentLogger(), ...options });
  started.push(instance);
  await instance.start();
  return instance;
}

export async function stopInstances(): Promise<void> {
  await Promise.all(started.splice(0).map((instance) => instance.kill()));
}

let sequence = 0;

export function request(event: unknown = {}): InvocationRequest {
  sequence += 1;
  return { invocationId: `inv-${sequence}`, event, attempt: 1 };
}
