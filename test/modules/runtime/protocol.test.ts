import { encodeFrame, FrameReader, ProtocolError } from '../../../modules/runtime/protocol';

describe('FrameReader', () => {
  it('decodes frames split across chunks and several frames in one chunk', () => {
    const bytes = Buffer.concat([encodeFrame({ type: 'ready' }), encodeFrame({ n: 'é'.repeat(1000) }), encodeFrame([1, 2])]);
    const reader = new FrameReader();
    const frames: unknown[] = [];
    for (let at = 0; at < bytes.length; at += 7) frames.push(...reader.push(bytes.subarray(at, at + 7)));
    expect(frames).toEqual([{ type: 'ready' }, { n: 'é'.repeat(1000) }, [1, 2]]);
    expect(reader.pendingBytes).toBe(0);
  });

  it('assembles a multi-megabyte frame from small chunks', () => {
    const big = { text: 'x'.repeat(5 * 1024 * 1024) };
    const bytes = encodeFrame(big);
    const reader = new FrameReader();
    const frames: unknown[] = [];
    for (let at = 0; at < bytes.length; at += 65536) frames.push(...reader.push(bytes.subarray(at, at + 65536)));
    expect(frames).toEqual([big]);
  });

  it('rejects a frame over the size limit from its header alone', () => {
    const header = Buffer.alloc(4);
    header.writeUInt32BE(1024 + 1);
    expect(() => new FrameReader(1024).push(header)).toThrow(ProtocolError);
  });

  it('rejects a frame that is not JSON', () => {
    const body = Buffer.from('{nope');
    const header = Buffer.alloc(4);
    header.writeUInt32BE(body.length);
    expect(() => new FrameReader().push(Buffer.concat([header, body]))).toThrow(/not JSON/);
  });

  it('refuses to encode a frame over the limit', () => {
    expect(() => encodeFrame({ text: 'x'.repeat(17 * 1024 * 1024) })).toThrow(ProtocolError);
  });
});

describe('the shims, sent frames they cannot decode', () => {
  // Imports kept here: the FrameReader tests above need no sandbox.
  /* eslint-disable @typescript-eslint/no-var-requires */
  const { spawn } = require('node:child_process') as typeof import('node:child_process');
  const { mkdtempSync, rmSync, writeFileSync } = require('node:fs') as typeof import('node:fs');
  const { tmpdir } = require('node:os') as typeof import('node:os');
  const path = require('node:path') as typeof import('node:path');
  const { bwrapPath, sandboxArgs } = require('../../../modules/worker/sandbox') as typeof import('../../../modules/worker/sandbox');
  const { createInstanceLimits } = require('../../../modules/worker/limits') as typeof import('../../../modules/worker/limits');
  const { silentLogger } = require('../../../common/logger') as typeof import('../../../common/logger');
  const python = require('../../../modules/runtime/python/launch') as typeof import('../../../modules/runtime/python/launch');
  const node = require('../../../modules/runtime/node/launch') as typeof import('../../../modules/runtime/node/launch');
  const { encodeInvokeFrame, asShimMessage } = require('../../../modules/runtime/protocol') as typeof import('../../../modules/runtime/protocol');

  const raw = (body: Buffer) => {
    const header = Buffer.alloc(4);
    header.writeUInt32BE(body.length);
    return Buffer.concat([header, body]);
  };
  const context = { invocationId: 'i', functionName: 'f', version: 1, memoryMb: 128, deadlineMs: Date.now() + 60_000 };

  it.each([
    ['python3', 'main.py', 'def handler(event, context):\n    return event\n', () => python.pythonLaunch(python.parsePythonHandler('main.handler'), { memoryMb: 128 }), python.PYTHON_SHIM_DIR],
    ['node20', 'index.js', 'exports.handler = async (event) => event;\n', () => node.nodeLaunch(node.parseNodeHandler('index.handler'), { memoryMb: 128 }), node.NODE_SHIM_DIR],
  ])('%s answers each with an error and keeps serving', async (_runtime, file, code, launchOf, shimDir) => {
    const codeDir = mkdtempSync(path.join(tmpdir(), 'pyfaas-shim-'));
    writeFileSync(path.join(codeDir, file), code);
    const launch = launchOf();
    const args = sandboxArgs({ codeDir, shimDir, launch, env: {}, allowNetwork: false, functionName: 'f', version: 1, memoryMb: 128 });
    // The limits' wrapper also opens what bwrap reads from fds (the seccomp program, when the sandbox has one).
    const limits = createInstanceLimits({ instanceId: `shim-${process.pid}-${_runtime}`, memoryMb: 128, maxPids: 64, interpreter: launch.command, logger: silentLogger(), use: 'rlimit' });
    const wrapped = limits.wrap(bwrapPath(), args);
    const child = spawn(wrapped.command, wrapped.args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
    const reader = new FrameReader();
    const messages: Array<Record<string, unknown>> = [];
    let wake: () => void = () => undefined;
    (child.stdio[4] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => {
      for (const frame of reader.push(chunk)) messages.push(asShimMessage(frame) as unknown as Record<string, unknown>);
      wake();
    });
    const next = async () => {
      while (messages.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      return messages.shift()!;
    };
    const send = (bytes: Buffer) => (child.stdio[3] as NodeJS.WritableStream).write(bytes);
    try {
      expect(await next()).toEqual({ type: 'ready' });
      send(raw(Buffer.from('{"type":"invoke","id":7,"event":{nope')));
      expect(await next()).toMatchObject({ type: 'result', id: 7, ok: false, error: { type: 'InvalidRequest' } });
      send(raw(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]))); // {"\xff\xfe"}: not UTF-8
      expect(await next()).toMatchObject({ type: 'result', id: null, ok: false, error: { type: 'InvalidRequest' } });
      send(raw(Buffer.from('[1,2]')));
      expect(await next()).toMatchObject({ ok: false, error: { type: 'InvalidRequest' } });
      send(raw(Buffer.from(`{"type":"invoke","id":8,"event":${'['.repeat(100_000)}${']'.repeat(100_000)}}`)));
      // Python's decoder gives up (RecursionError); V8 parses it, and the handler's result is then not encodable.
      expect(await next()).toMatchObject({ id: 8, ok: false, error: { type: _runtime === 'python3' ? 'LimitExceeded' : 'ResultNotSerializable' } });
      send(encodeInvokeFrame(9, context, '{"still":"alive"}'));
      expect(await next()).toMatchObject({ type: 'result', id: 9, ok: true, result: { still: 'alive' } });
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill('SIGKILL');
      await limits.release();
      rmSync(codeDir, { recursive: true, force: true });
    }
  });
});
