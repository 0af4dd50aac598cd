'use strict';
/**
 * PyFaaS runtime shim for Node.js: loads one handler once, then serves invocations.
 *
 * Run inside the sandbox as `node shim.js <module path> <export>`. Requests arrive on fd 3
 * and answers leave on fd 4, each a 4-byte big-endian length and UTF-8 JSON (the worker's
 * modules/runtime/protocol.ts). fds 1 and 2 stay the instance's own log; what the handler
 * prints during an invocation is captured in-process and returned with its result.
 */
const fs = require('node:fs');
const net = require('node:net');
const util = require('node:util');

const REQUEST_FD = 3;
const RESPONSE_FD = 4;
const LOG_CAP_BYTES = 256 * 1024;
const MAX_RESULT_BYTES = 6 * 1024 * 1024;
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

/** Pipes are opened as sockets: libuv reads them without tying up a threadpool thread. */
const requests = new net.Socket({ fd: REQUEST_FD, readable: true, writable: false });
const responses = new net.Socket({ fd: RESPONSE_FD, readable: false, writable: true });

function send(message) {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  const header = Buffer.allocUnsafe(4);
  header.writeUInt32BE(body.length, 0);
  responses.write(Buffer.concat([header, body]));
}

function describe(err) {
  if (err instanceof Error) {
    return { type: err.constructor && err.constructor.name ? err.constructor.name : err.name, message: err.message, stack: err.stack };
  }
  return { type: typeof err, message: util.inspect(err) };
}

/** Keeps the first LOG_CAP_BYTES written; the rest is counted as truncation, not kept. */
class CappedLog {
  constructor() {
    this.parts = [];
    this.room = LOG_CAP_BYTES;
    this.truncated = false;
  }

  write(chunk, encoding) {
    if (!chunk || chunk.length === 0) return;
    if (this.room <= 0) {
      this.truncated = true;
      return;
    }
    // A character is at least one byte: cut a huge string before encoding it, not after.
    const head = typeof chunk === 'string'
      ? Buffer.from(chunk.slice(0, this.room), encoding || 'utf8')
      : Buffer.from(chunk.buffer, chunk.byteOffset, Math.min(chunk.length, this.room));
    const kept = head.subarray(0, this.room);
    if (chunk.length > this.room || kept.length < head.length) this.truncated = true;
    this.parts.push(Buffer.from(kept)); // a copy: the caller may reuse its buffer
    this.room -= kept.length;
  }

  text() {
    return Buffer.concat(this.parts).toString('utf8');
  }
}

/** Routes process.stdout/stderr writes (and so console.*) to the current invocation's capture. */
const capture = { stdout: undefined, stderr: undefined };
for (const name of ['stdout', 'stderr']) {
  const stream = process[name];
  const original = stream.write.bind(stream);
  stream.write = function write(chunk, encoding, callback) {
    const log = capture[name];
    if (!log) return original(chunk, encoding, callback);
    log.write(chunk, typeof encoding === 'string' ? encoding : undefined);
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') process.nextTick(done);
    return true;
  };
}

function makeLogger() {
  const line = (level) => (...args) => process.stderr.write(`${level} ${util.format(...args)}\n`);
  return { log: line('INFO'), info: line('INFO'), debug: line('DEBUG'), warn: line('WARN'), error: line('ERROR') };
}

function makeContext(fields) {
  const deadline = fields.deadlineMs || 0;
  return {
    invocationId: fields.invocationId,
    awsRequestId: fields.invocationId,
    functionName: fields.functionName,
    functionVersion: fields.version,
    memoryLimitInMB: fields.memoryMb,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    logger: makeLogger(),
  };
}

async function loadHandler(modulePath, exportName) {
  if (!fs.existsSync(modulePath)) {
    return { error: { type: 'HandlerNotFound', message: `The handler file ${modulePath.replace(/^\/var\/task\//, '')} is not in the function's code.` } };
  }
  let exported;
  try {
    exported = require(modulePath);
  } catch (err) {
    if (!err || err.code !== 'ERR_REQUIRE_ESM') return { error: describe(err) };
    try {
      // A package with "type": "module": load the file as an ES module instead.
      exported = await import(require('node:url').pathToFileURL(modulePath).href);
    } catch (esmErr) {
      return { error: describe(esmErr) };
    }
  }
  const handler = exported == null ? undefined : exported[exportName];
  if (handler === undefined) {
    return { error: { type: 'HandlerNotFound', message: `${modulePath.replace(/^\/var\/task\//, '')} exports no ${exportName}.` } };
  }
  if (typeof handler !== 'function') {
    return { error: { type: 'HandlerNotCallable', message: `${exportName} is a ${typeof handler}, not a function.` } };
  }
  return { handler };
}

function encodeResult(result) {
  let json;
  try {
    json = JSON.stringify(result === undefined ? null : result);
  } catch (err) {
    return { error: { type: 'ResultNotSerializable', message: `The handler returned a value that is not JSON: ${err.message}` } };
  }
  if (json === undefined) {
    return { error: { type: 'ResultNotSerializable', message: `The handler returned a ${typeof result}, which is not JSON.` } };
  }
  const size = Buffer.byteLength(json);
  if (size > MAX_RESULT_BYTES) {
    return { error: { type: 'ResultTooLarge', message: `The result is ${size} bytes of JSON, over the ${MAX_RESULT_BYTES}-byte limit.` } };
  }
  return { json };
}

async function run(handler, request) {
  const stdout = new CappedLog();
  const stderr = new CappedLog();
  capture.stdout = stdout;
  capture.stderr = stderr;
  let outcome;
  try {
    const result = await handler(request.event, makeContext(request.context || {}));
    outcome = encodeResult(result);
  } catch (err) {
    outcome = { error: describe(err) };
  } finally {
    capture.stdout = undefined;
    capture.stderr = undefined;
  }
  const logs = { stdout: stdout.text(), stderr: stderr.text(), truncated: stdout.truncated || stderr.truncated };
  if (outcome.error) {
    send({ type: 'result', id: request.id, ok: false, error: outcome.error, logs });
    return;
  }
  // The result is spliced in as already-encoded JSON so a big one is encoded once.
  const head = JSON.stringify({ type: 'result', id: request.id, ok: true, logs }).slice(0, -1);
  const body = Buffer.from(`${head},"result":${outcome.json}}`, 'utf8');
  const header = Buffer.allocUnsafe(4);
  header.writeUInt32BE(body.length, 0);
  responses.write(Buffer.concat([header, body]));
}

/** Serves requests one at a time, in arrival order. */
function serve(handler) {
  let pending = Buffer.alloc(0);
  let queue = Promise.resolve();
  requests.on('data', (chunk) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 4) {
      const length = pending.readUInt32BE(0);
      if (length > MAX_REQUEST_BYTES) {
        process.stderr.write(`request frame of ${length} bytes is over the limit\n`);
        process.exit(2);
      }
      if (pending.length < 4 + length) break;
      const request = JSON.parse(pending.subarray(4, 4 + length).toString('utf8'));
      pending = pending.subarray(4 + length);
      if (request.type === 'invoke') queue = queue.then(() => run(handler, request));
    }
  });
  // The worker closed the request pipe: it is gone or done with this instance.
  requests.on('end', () => process.exit(0));
}

// A handler's stray error (a throwing timer, an unawaited rejection) must not end the shim:
// it is written to the current capture, or to the instance log between invocations.
process.on('uncaughtException', (err) => process.stderr.write(`Uncaught ${util.inspect(err)}\n`));
process.on('unhandledRejection', (reason) => process.stderr.write(`Unhandled rejection ${util.inspect(reason)}\n`));

async function main() {
  const [modulePath, exportName] = process.argv.slice(2);
  const loaded = await loadHandler(modulePath, exportName);
  if (loaded.error) {
    send({ type: 'init_error', error: loaded.error });
    responses.end(() => process.exit(1));
    return;
  }
  send({ type: 'ready' });
  serve(loaded.handler);
}

main();
