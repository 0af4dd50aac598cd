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
