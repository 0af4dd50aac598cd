import type { IncomingMessage } from 'node:http';
import { InputError, LimitExceededError } from '../../../common/errors';

/**
 * Reads a request body as bytes, at most `limitBytes`, as sent (no content decoding). Throws
 * LimitExceededError (413) when it is larger — checked against Content-Length before reading
 * when it is given, so a large upload is refused without being read — and InputError when the
 * client goes away mid-body.
 */
export function readBytes(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limitBytes) return Promise.reject(tooLarge(limitBytes));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        cleanup();
        req.pause();
        reject(tooLarge(limitBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(new InputError(`Could not read the request body: ${err.message}.`));
    };
    const onAborted = () => onError(new Error('the client closed the connection'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

function tooLarge(limitBytes: number): LimitExceededError {
  return new LimitExceededError(`The request body is larger than the limit of ${limitBytes} bytes.`);
}
