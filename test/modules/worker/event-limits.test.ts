import { LimitExceededError } from '../../../common/errors';
import { DEFAULT_EVENT_LIMITS, encodeEvent } from '../../../modules/worker/event-limits';
import { removeFunctionDirs, request, startedInstance, stopInstances } from './fixtures';

/** `{"a": {"a": … 1}}` nested `depth` levels, built without recursion. */
function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i += 1) value = { a: value };
  return value;
}

describe('encodeEvent', () => {
  it('passes events within the limits through as JSON', () => {
    expect(encodeEvent({ n: [1, { b: 'é' }] })).toBe('{"n":[1,{"b":"é"}]}');
    expect(encodeEvent(undefined)).toBe('null');
    expect(encodeEvent(nested(DEFAULT_EVENT_LIMITS.maxDepth))).toHaveLength(DEFAULT_EVENT_LIMITS.maxDepth * 6 + 1);
  });

  it('refuses an event one level too deep, and a hostile depth without exhausting its own stack', () => {
    expect(() => encodeEvent(nested(DEFAULT_EVENT_LIMITS.maxDepth + 1))).toThrow(LimitExceededError);
    // JSON.stringify itself would throw RangeError (stack) here; the iterative walk refuses it first.
    expect(() => encodeEvent(nested(1_000_000))).toThrow(/nested more than 128 levels/);
  });

  it('refuses an event over the byte limit, counting UTF-8 bytes', () => {
    const limits = { maxDepth: 8, maxBytes: 1000 };
    expect(encodeEvent({ s: 'x'.repeat(990) }, limits)).toHaveLength(998);
    expect(() => encodeEvent({ s: 'é'.repeat(990) }, limits)).toThrow(/over the 1000-byte limit/);
  });

  it('bounds its walk on a graph of shared references', () => {
    let value: unknown = [];
    for (let i = 0; i < 60; i += 1) value = [value, value]; // 2^60 paths, 60 levels
    expect(() => encodeEvent(value, { maxDepth: 64, maxBytes: 1_000_000 })).toThrow(LimitExceededError);
  });
});

const PYTHON_CODE = 'def handler(event, context):\n    return event\n';
const NODE_CODE = 'exports.handler = async (event) => event;\n';

describe.each([
  ['python3', { 'main.py': PYTHON_CODE }, 'main.handler'],
  ['node20', { 'index.js': NODE_CODE }, 'index.handler'],
])('Event limits on a real %s instance', (runtime, files, handler) => {
  afterEach(stopInstances);
  afterAll(removeFunctionDirs);

  it('refuses a depth-2,000 event with LimitExceeded before the shim, and serves the next call', async () => {
    const instance = await startedInstance(files, { runtime, handler });
    await expect(instance.invoke(request(nested(2000)), 5000)).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED', details: { limit: 'eventDepth' } });
    expect(instance.state).toBe('idle');
    expect(await instance.invoke(request({ ok: 1 }), 5000)).toMatchObject({ status: 'succeeded', result: { ok: 1 } });
  });

  it('refuses an event over 6 MiB and stays idle', async () => {
    const instance = await startedInstance(files, { runtime, handler });
    await expect(instance.invoke(request({ s: 'x'.repeat(6 * 1024 * 1024) }), 5000)).rejects.toBeInstanceOf(LimitExceededError);
    expect(await instance.invoke(request(2), 5000)).toMatchObject({ status: 'succeeded', result: 2 });
  });

  it('survives an event the shim itself cannot decode when the worker-side limit is lifted', async () => {
    // Depth 1,500: past Python's decoder recursion limit (~1,000); V8 takes it.
    const instance = await startedInstance(files, { runtime, handler }, { eventLimits: { maxDepth: 200_000, maxBytes: 16 * 1024 * 1024 } });
    const outcome = await instance.invoke(request(nested(1500)), 5000);
    if (runtime === 'python3') expect(outcome).toMatchObject({ status: 'failed', error: { type: 'LimitExceeded', message: expect.stringMatching(/nested too deeply/) } });
    else expect(outcome.status).toBe('succeeded');
    expect(instance.state).toBe('idle');
    expect(await instance.invoke(request(3), 5000)).toMatchObject({ status: 'succeeded', result: 3 });
  });
});
