import { FunctionLoadError } from '../../../common/errors';
import type { FunctionVersionSpec } from '../../../modules/worker/contract';
import { processTree } from '../../../modules/worker/process-tree';
import { removeFunctionDirs, request, runningPids, startedInstance, stopInstances } from './fixtures';

const PYTHON_CODE = `
import os, sys, time

def identity(event, context):
    return event

def context_fields(event, context):
    first = context.get_remaining_time_in_millis()
    time.sleep(0.05)
    return {"invocationId": context.invocation_id, "functionName": context.function_name,
            "version": context.function_version, "memoryMb": context.memory_limit_in_mb,
            "remaining": [first, context.get_remaining_time_in_millis()]}

def prints(event, context):
    print("out", event["n"])
    print("err", event["n"], file=sys.stderr)
    sys.stdout.buffer.write(b"bytes\\n")
    context.logger.info("logged %s", event["n"])
    return event["n"]

def raises(event, context):
    if event.get("fail"):
        raise ValueError("bad input %s" % event["n"])
    return "fine"

async def async_handler(event, context):
    import asyncio
    await asyncio.sleep(0.02)
    return {"async": event}

def not_json(event, context):
    return {"set": {1, 2}}

def too_large(event, context):
    return "x" * (7 * 1024 * 1024)

def chatty(event, context):
    line = "y" * 1023
    for _ in range(100 * 1024):
        print(line)
    return "done"

def forever(event, context):
    while True:
        pass

def exits(event, context):
    os._exit(3)

not_callable = 42
`;

const NODE_CODE = `
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
exports.identity = (event) => event;
exports.context_fields = async (event, context) => {
  const first = context.getRemainingTimeInMillis();
  await sleep(50);
  return { invocationId: context.invocationId, functionName: context.functionName, version: context.functionVersion,
    memoryMb: context.memoryLimitInMB, remaining: [first, context.getRemainingTimeInMillis()] };
};
exports.prints = (event, context) => {
  console.log('out', event.n);
  console.error('err', event.n);
  process.stdout.write(Buffer.from('bytes\\n'));
  context.logger.info('logged %s', event.n);
  return event.n;
};
exports.raises = (event) => {
  if (event.fail) throw new TypeError('bad input ' + event.n);
  return 'fine';
};
exports.async_handler = async (event) => { await sleep(20); return { async: event }; };
exports.not_json = () => ({ big: 10n });
exports.too_large = () => 'x'.repeat(7 * 1024 * 1024);
exports.chatty = () => {
  const line = 'y'.repeat(1023);
  for (let i = 0; i < 100 * 1024; i += 1) console.log(line);
  return 'done';
};
exports.forever = () => { for (;;) {} };
exports.exits = () => process.exit(3);
exports.not_callable = 42;
`;

const RUNTIMES = [
  { runtime: 'python3', file: 'main.py', code: PYTHON_CODE, errorType: 'ValueError', loadError: 'raise RuntimeError("boom at import")\n' },
  { runtime: 'node20', file: 'index.js', code: NODE_CODE, errorType: 'TypeError', loadError: 'throw new RangeError("boom at import");\n' },
];

describe.each(RUNTIMES)('Instance ($runtime)', ({ runtime, file, code, errorType, loadError }) => {
  const moduleName = file.split('.')[0];
  const start = (exportName: string, overrides: Partial<FunctionVersionSpec> = {}) =>
    startedInstance({ [file]: code }, { runtime, handler: `${moduleName}.${exportName}`, ...overrides });

  afterEach(stopInstances);
  afterAll(removeFunctionDirs);

  it('serves invocations one after another in the same process', async () => {
    const instance = await start('identity');
    const pid = instance.pid;
    const first = await instance.invoke(request({ a: [1, 'two', null] }), 5000);
    const second = await instance.invoke(request({ b: 'é' }), 5000);
    expect(first).toMatchObject({ status: 'succeeded', result: { a: [1, 'two', null] }, instanceId: instance.id });
    expect(second).toMatchObject({ status: 'succeeded', result: { b: 'é' } });
    expect(instance.pid).toBe(pid);
    expect(instance.state).toBe('idle');
  });

  it('gives the handler its context, with the time left running down', async () => {
    const instance = await start('context_fields', { memoryMb: 96 });
    const call = request();
    const outcome = await instance.invoke(call, 3000);
    const result = outcome.result as { invocationId: string; functionName: string; version: number; memoryMb: number; remaining: number[] };
    expect(result).toMatchObject({ invocationId: call.invocationId, functionName: instance.spec.functionName, version: 1, memoryMb: 96 });
    const [first, later] = result.remaining;
    expect(first).toBeLessThanOrEqual(3000);
    expect(first).toBeGreaterThan(2500);
    expect(later).toBeLessThanOrEqual(first - 40);
  });

  it("captures each invocation's stdout and stderr, and only its own", async () => {
    const instance = await start('prints');
    const first = await instance.invoke(request({ n: 1 }), 5000);
    const second = await instance.invoke(request({ n: 2 }), 5000);
    expect(first.logs).toEqual({ stdout: 'out 1\nbytes\n', stderr: 'err 1\nINFO logged 1\n', truncated: false });
    expect(second.logs).toEqual({ stdout: 'out 2\nbytes\n', stderr: 'err 2\nINFO logged 2\n', truncated: false });
  });

  it('reports a raised error with type, message and stack, and stays usable', async () => {
    const instance = await start('raises');
    const failed = await instance.invoke(request({ fail: true, n: 7 }), 5000);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ type: errorType, message: 'bad input 7' });
    expect(failed.error?.stack).toContain('bad input 7');
    const after = await instance.invoke(request({}), 5000);
    expect(after).toMatchObject({ status: 'succeeded', result: 'fine', instanceId: failed.instanceId });
  });

  it('refuses an event it cannot send, staying usable', async () => {
    const instance = await start('identity');
    await expect(instance.invoke(request({ big: 'x'.repeat(17 * 1024 * 1024) }), 5000)).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
    await expect(instance.invoke(request({ n: BigInt(1) }), 5000)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(await instance.invoke(request(1), 5000)).toMatchObject({ status: 'succeeded', result: 1 });
  });

  it('awaits async handlers', async () => {
    const instance = await start('async_handler');
    expect(await instance.invoke(request(5), 5000)).toMatchObject({ status: 'succeeded', result: { async: 5 } });
    expect(await instance.invoke(request(6), 5000)).toMatchObject({ status: 'succeeded', result: { async: 6 } });
  });

  it('refuses results that are not JSON or too large, and stays usable', async () => {
    const notJson = await start('not_json');
    expect((await notJson.invoke(request(), 5000)).error?.type).toBe('ResultNotSerializable');
    expect((await notJson.invoke(request(), 5000)).status).toBe('failed');
    const tooLarge = await start('too_large');
    const outcome = await tooLarge.invoke(request(), 5000);
    expect(outcome).toMatchObject({ status: 'failed', error: { type: 'ResultTooLarge' } });
    expect(tooLarge.state).toBe('idle');
  });

  it('truncates a function printing 100 MB, keeping the worker and the instance small', async () => {
    const instance = await start('chatty', { timeoutMs: 60_000 });
    const before = process.memoryUsage().rss;
    const outcome = await instance.invoke(request(), 60_000);
    expect(outcome.status).toBe('succeeded');
    expect(outcome.result).toBe('done');
    expect(outcome.logs.truncated).toBe(true);
    expect(outcome.logs.stdout.length).toBeLessThanOrEqual(256 * 1024);
    expect(outcome.logs.stdout.length).toBeGreaterThan(200 * 1024);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
    expect(instance.rssBytes()).toBeLessThan(100 * 1024 * 1024);
  });

  it('times out a handler that never returns, killing the whole sandbox', async () => {
    const instance = await start('forever');
    const pids = processTree(instance.pid!);
    expect(pids.length).toBeGreaterThanOrEqual(2); // bwrap and the interpreter at least
    const startedAt = Date.now();
    const outcome = await instance.invoke(request(), 1000);
    expect(Date.now() - startedAt).toBeLessThan(1000 + 1500);
    expect(outcome).toMatchObject({ status: 'timed_out', error: { type: 'TimeoutError' } });
    expect(instance.state).toBe('dead');
    await instance.closed;
    expect(runningPids(pids)).toEqual([]);
    await expect(instance.invoke(request(), 1000)).rejects.toThrow(/dead/);
  });

  it('reports a process that exits mid-invocation as crashed', async () => {
    const instance = await start('exits');
    const outcome = await instance.invoke(request(), 5000);
    expect(outcome).toMatchObject({ status: 'crashed', error: { type: 'ProcessCrashed' } });
    expect(outcome.error?.message).toMatch(/exit code 3/);
    expect(instance.state).toBe('dead');
  });

  it('kills the instance when the invocation is cancelled', async () => {
    const instance = await start('forever');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const outcome = await instance.invoke(request(), 10_000, controller.signal);
    expect(outcome).toMatchObject({ status: 'failed', error: { type: 'Cancelled' } });
    expect(outcome.durationMs).toBeLessThan(2000);
    expect(instance.state).toBe('dead');
  });

  describe('fails to start with FunctionLoadError', () => {
    const expectLoadError = async (promise: Promise<unknown>, message: RegExp) => {
      const err = await promise.then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(FunctionLoadError);
      expect((err as FunctionLoadError).code).toBe('HANDLER_LOAD_FAILED');
      expect((err as FunctionLoadError).message).toMatch(message);
    };

    it('when the handler file is missing', async () => {
      await expectLoadError(startedInstance({ [`other${file.slice(moduleName.length)}`]: code }, { runtime, handler: `${moduleName}.identity` }), /HandlerNotFound.*not in the function's code/);
    });

    it('when the export is missing', async () => {
      await expectLoadError(start('nothing_here'), /HandlerNotFound.*nothing_here/);
    });

    it('when the export is not a function', async () => {
      await expectLoadError(start('not_callable'), /HandlerNotCallable/);
    });

    it('when importing the code raises', async () => {
      await expectLoadError(startedInstance({ [file]: loadError }, { runtime, handler: `${moduleName}.identity` }), /boom at import/);
    });
  });
});

describe('Instance protocol', () => {
  afterEach(stopInstances);
  afterAll(removeFunctionDirs);

  it('kills an instance whose process writes garbage on the answer pipe', async () => {
    const code = 'import os\n\ndef handler(event, context):\n    os.write(4, b"\\xff\\xff\\xff\\xff")\n    return 1\n';
    const instance = await startedInstance({ 'main.py': code });
    const outcome = await instance.invoke(request(), 5000);
    expect(outcome).toMatchObject({ status: 'crashed', error: { type: 'ProtocolError' } });
    expect(instance.state).toBe('dead');
  });
});
