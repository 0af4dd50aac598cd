/**
 * Framing between the worker and a runtime shim: each message is a 4-byte big-endian
 * length followed by that many bytes of UTF-8 JSON. The shims (python/shim.py,
 * node/shim.js) implement the same format on their side.
 */

/** Largest frame either side accepts: a 6 MiB result plus captured logs fits well inside. */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;

const HEADER_BYTES = 4;

/** The peer broke the framing (oversized frame, bad JSON): the channel cannot be trusted any more. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

export function encodeFrame(message: unknown): Buffer {
  return encodeTextFrame(JSON.stringify(message));
}

/** A frame of already-encoded JSON. Throws ProtocolError over MAX_FRAME_BYTES. */
export function encodeTextFrame(json: string): Buffer {
  const body = Buffer.from(json, 'utf8');
  if (body.length > MAX_FRAME_BYTES) throw new ProtocolError(`A frame of ${body.length} bytes exceeds the ${MAX_FRAME_BYTES}-byte limit.`);
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header.writeUInt32BE(body.length, 0);
  return Buffer.concat([header, body]);
}

/**
 * Accumulates chunks from a stream and returns whole decoded frames. Chunks are kept in
 * a list and joined once per frame, so a multi-megabyte frame arriving in 64 KiB pieces
 * costs one copy, not one per piece.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private expected: number | undefined;

  constructor(private readonly maxFrameBytes = MAX_FRAME_BYTES) {}

  /** Adds a chunk; returns the frames it completed. Throws ProtocolError on a bad frame. */
  push(chunk: Buffer): unknown[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: unknown[] = [];
    for (;;) {
      if (this.expected === undefined) {
        if (this.buffered < HEADER_BYTES) break;
        const length = this.take(HEADER_BYTES).readUInt32BE(0);
        if (length > this.maxFrameBytes) {
          throw new ProtocolError(`The peer sent a frame of ${length} bytes, over the ${this.maxFrameBytes}-byte limit.`);
        }
        this.expected = length;
      }
      if (this.buffered < this.expected) break;
      const body = this.take(this.expected);
      this.expected = undefined;
      try {
        frames.push(JSON.parse(body.toString('utf8')));
      } catch (err) {
        throw new ProtocolError(`The peer sent a frame that is not JSON: ${(err as Error).message}`);
      }
    }
    return frames;
  }

  /** Bytes received but not yet part of a whole frame. */
  get pendingBytes(): number {
    return this.buffered;
  }

  private take(count: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.buffered);
    const taken = all.subarray(0, count);
    const rest = all.subarray(count);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return taken;
  }
}

/** What the worker sends a shim. `deadlineMs` is epoch milliseconds. */
export interface InvokeMessage {
  type: 'invoke';
  id: number;
  event: unknown;
  context: InvokeContext;
}

export type InvokeContext = { invocationId: string; functionName: string; version: number; memoryMb: number; deadlineMs: number };

/**
 * An invoke frame around an event already encoded (and checked) as JSON, so a large event
 * is serialized once. `type` and `id` come first: a shim that cannot decode the frame
 * still finds the id in its first bytes and answers that request with an error.
 */
export function encodeInvokeFrame(id: number, context: InvokeContext, eventJson: string): Buffer {
  return encodeTextFrame(`{"type":"invoke","id":${id},"context":${JSON.stringify(context)},"event":${eventJson}}`);
}

export interface ShimError {
  type: string;
  message: string;
  stack?: string;
}

/** What a shim sends the worker: `ready` or `init_error` once, then one `result` per invoke. */
export type ShimMessage =
  | { type: 'ready' }
  | { type: 'init_error'; error: ShimError }
  | {
      type: 'result';
      /** null when the shim could not decode the request (so not its id either): it answers the one pending. */
      id: number | null;
      ok: boolean;
      result?: unknown;
      error?: ShimError;
      logs: { stdout: string; stderr: string; truncated: boolean };
      /** The shim could not restore its writable filesystems after the invocation: do not reuse the instance. */
      retire?: boolean;
    };

/** Narrows a decoded frame to a ShimMessage; throws ProtocolError for anything else. */
export function asShimMessage(frame: unknown): ShimMessage {
  const type = (frame as { type?: unknown } | null)?.type;
  if (type === 'ready' || type === 'init_error' || type === 'result') return frame as ShimMessage;
  throw new ProtocolError(`The shim sent a message of unknown type ${JSON.stringify(type)}.`);
}
