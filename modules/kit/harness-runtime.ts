/**
 * The harness's checks for `runtime` modules. The static ones need nothing; the live ones
 * run the package's example (`example/pyfaas-example.json` and the code beside it) in the
 * real bubblewrap sandbox, as the worker would: a runtime is only as good as its shim, and
 * the shim only runs there.
 *
 *   example/pyfaas-example.json: { "handler": "function.handler", "event": {…}, "expect": <result>,
 *                                  "timeoutMs"?: 10000, "syntaxError"?: "<a source text that does not parse>" }
 */
import { accessSync, constants, statSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { silentLogger } from '../../common/logger';
import type { HandlerRef, RuntimeModule } from '../runtime/contract';
import { Instance } from '../worker/instance';
import { bwrapPath } from '../worker/sandbox';
import { CheckFailed, messageOf, statusOf, type KindCheck, type KindCheckInput } from './harness-support';

export const EXAMPLE_DIR = 'example';
const EXAMPLE_FILE = 'pyfaas-example.json';
/** Handlers every runtime must refuse with a 400: empty, climbing out of the code, absolute. */
const HOSTILE_HANDLERS = ['', '../x.y', '/etc/passwd.x'];
const DEFAULT_TIMEOUT_MS = 10_000;
/** Unbalanced brackets: a syntax error in most languages (Python, JavaScript, sh…); an example may name its own. */
const DEFAULT_SYNTAX_ERROR = '(((\n';

interface RuntimeExample {
  handler: string;
  event: unknown;
  expect: unknown;
  timeoutMs: number;
  syntaxError: string;
}

/** The package's example, undefined when it has none; CheckFailed when the file is malformed. */
async function readExample(dir: string): Promise<RuntimeExample | undefined> {
  let text: string;
  try {
    text = await fs.readFile(path.join(dir, EXAMPLE_DIR, EXAMPLE_FILE), 'utf8');
  } catch {
    return undefined;
  }
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new CheckFailed(`${EXAMPLE_DIR}/${EXAMPLE_FILE} is not JSON: ${messageOf(err)}`);
  }
  const timeoutMs = raw?.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const syntaxError = raw?.syntaxError ?? DEFAULT_SYNTAX_ERROR;
  if (typeof raw?.handler !== 'string' || !('expect' in raw) || typeof syntaxError !== 'string' || !Number.isInteger(timeoutMs) || (timeoutMs as number) <= 0) {
    throw new CheckFailed(`${EXAMPLE_DIR}/${EXAMPLE_FILE} needs "handler" (a string) and "expect"; "timeoutMs" is whole milliseconds, "syntaxError" a string.`);
  }
  return { handler: raw.handler, event: raw.event ?? {}, expect: raw.expect, timeoutMs: timeoutMs as number, syntaxError };
}

/** A check that needs the package's example: it is skipped, saying so, when there is none. */
function exampleCheck(name: string, run: (runtime: RuntimeModule, example: RuntimeExample, input: KindCheckInput) => Promise<string> | string): KindCheck {
  return {
    name,
    async run(instance, input) {
      const example = await readExample(input.dir);
      if (!example) return `skipped: the package has no ${EXAMPLE_DIR}/${EXAMPLE_FILE} (the template's shows how to write one).`;
      return run(instance as RuntimeModule, example, input);
    },
  };
}

const runtimeShape: KindCheck = {
  name: 'runtime: extension, shimDir, and parseHandler refusing hostile handlers with a 400',
  run(instance) {
    const runtime = instance as RuntimeModule;
    if (!/^\.[A-Za-z0-9]+$/.test(runtime.extension)) throw new CheckFailed(`its extension ${JSON.stringify(runtime.extension)} is not a dot then letters or digits (e.g. .py).`);
    if (!path.isAbsolute(runtime.shimDir) || !isDirectory(runtime.shimDir)) throw new CheckFailed(`its shimDir ${JSON.stringify(runtime.shimDir)} is not an existing directory (an absolute path on the host).`);
    for (const handler of HOSTILE_HANDLERS) {
      let parsed: HandlerRef;
      try {
        parsed = runtime.parseHandler(handler);
      } catch (err) {
        if (statusOf(err) === 400) continue;
        throw new CheckFailed(`parseHandler(${JSON.stringify(handler)}) threw ${messageOf(err)}, not an InputError (400).`);
      }
      throw new CheckFailed(`parseHandler(${JSON.stringify(handler)}) returned ${JSON.stringify(parsed)}; a handler naming no file inside the code must be refused with an InputError (400).`);
    }
    return `extension ${runtime.extension}, shim in ${runtime.shimDir}; refuses ${HOSTILE_HANDLERS.map((h) => JSON.stringify(h)).join(', ')}`;
  },
};

const runtimeLaunch = exampleCheck('runtime: launch gives an absolute interpreter that exists, string args and env', (runtime, example) => {
  const spec = runtime.launch(runtime.parseHandler(example.handler), { memoryMb: 128 });
  if (typeof spec?.command !== 'string' || !path.isAbsolute(spec.command)) throw new CheckFailed(`launch() gave the command ${JSON.stringify(spec?.command)}, not an absolute path.`);
  try {
    accessSync(spec.command, constants.X_OK);
  } catch {
    throw new CheckFailed(`launch() gave the command ${spec.command}, which is not an executable file here.`);
  }
  if (!Array.isArray(spec.args) || !spec.args.every((arg) => typeof arg === 'string')) throw new CheckFailed('launch() gave args that are not all strings.');
  const env = spec.env as unknown;
  if (!env || typeof env !== 'object' || Array.isArray(env) || !Object.values(env).every((value) => typeof value === 'string')) throw new CheckFailed('launch() gave an env that is not an object of strings.');
  return `${example.handler}: ${[spec.command, ...spec.args].join(' ')}`;
});

const runtimeExample = exampleCheck('runtime: the example runs in the sandbox and returns what it expects', async (runtime, example, input) => {
  const outcome = await runExample(runtime, example, input);
  if (outcome.status !== 'succeeded') {
    const stderr = outcome.logs.stderr.trim().split('\n').slice(-5).join('\n');
    throw new CheckFailed(`the example ${outcome.status}: ${outcome.error?.type}: ${outcome.error?.message}${stderr ? `\nstderr:\n${stderr}` : ''}`);
  }
  if (!isDeepStrictEqual(outcome.result, example.expect)) {
    throw new CheckFailed(`the example returned ${JSON.stringify(outcome.result)}, but ${EXAMPLE_FILE} expects ${JSON.stringify(example.expect)}.`);
  }
  return `${example.handler} returned ${JSON.stringify(outcome.result)} in ${outcome.durationMs} ms`;
});

/** Starts one real sandboxed instance on the example's code, invokes the example event once, and kills it. */
async function runExample(runtime: RuntimeModule, example: RuntimeExample, { manifest, dir }: KindCheckInput) {
  try {
    bwrapPath();
  } catch (err) {
    throw new CheckFailed(`the example runs in the bubblewrap sandbox, and bwrap is not here: ${messageOf(err)}`);
  }
  const spec = {
    functionName: 'harness-example', version: 1, codeDir: path.join(dir, EXAMPLE_DIR), runtime: manifest.id, handler: example.handler,
    env: {}, memoryMb: 128, timeoutMs: example.timeoutMs, maxConcurrency: 1, allowNetwork: false,
  };
  const sandboxed = new Instance({ id: `harness-${manifest.id}-${process.pid}-${Date.now()}`, spec, runtime, logger: silentLogger() });
  try {
    try {
      await sandboxed.start();
    } catch (err) {
      throw new CheckFailed(`the example's instance did not start: ${messageOf(err)}`);
    }
    return await sandboxed.invoke({ invocationId: 'harness-example-1', event: example.event, attempt: 1 }, example.timeoutMs);
  } finally {
    await sandboxed.kill();
  }
}

const runtimeSyntax = exampleCheck('runtime: checkSyntax passes the example and reports a file that does not parse', async (runtime, example, { dir }) => {
  const copy = await fs.mkdtemp(path.join(os.tmpdir(), 'pyfaas-harness-syntax-'));
  try {
    await fs.cp(path.join(dir, EXAMPLE_DIR), copy, { recursive: true });
    const clean = await runtime.checkSyntax(copy);
    if (!Array.isArray(clean) || clean.length > 0) throw new CheckFailed(`checkSyntax found issues in the example: ${JSON.stringify(clean)}.`);
    const broken = `pyfaas-syntax-error${runtime.extension}`;
    await fs.writeFile(path.join(copy, broken), example.syntaxError);
    const issues = await runtime.checkSyntax(copy);
    const found = Array.isArray(issues) ? issues.find((issue) => issue?.file === broken) : undefined;
    if (!found || typeof found.message !== 'string') throw new CheckFailed(`checkSyntax did not report ${broken} (holding ${JSON.stringify(example.syntaxError)}); it answered ${JSON.stringify(issues)}.`);
    return `the example is clean; ${broken}${found.line ? `:${found.line}` : ''}: ${found.message}`;
  } finally {
    await fs.rm(copy, { recursive: true, force: true });
  }
});

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

export const RUNTIME_CHECKS: KindCheck[] = [runtimeShape, runtimeLaunch, runtimeExample, runtimeSyntax];
