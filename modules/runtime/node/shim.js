'use strict';
/**
 * PyFaaS runtime shim for Node.js: loads one handler once, then serves invocations.
 *
 * Run inside the sandbox as `node shim.js <module path> <export>`. Requests arrive on fd 3
 * and answers leave on fd 4, each a 4-byte big-endian length and UTF-8 JSON (the worker's
 * modules/runtime/protocol.ts). fds 1 and 2 stay the instance's own log; what the handler
 * prints during an invocation is captured in-process and returned with its result.
 */

/**
 * V8 refuses the code cache built into node as soon as any V8 flag differs from its
 * default, and the shim runs with --max-old-space-size: every built-in module outside
 * node's startup snapshot (net and the streams, which the shim needs) would be compiled
 * from source, 10-15 ms of each start. The heap was sized when the isolate was made, so
 * the flag goes back to its default while the shim loads its modules and is set again
 * before the handler loads (`heapFlags.restore`): user code, and any Worker it starts,
 * sees it as passed. process.binding('v8') reaches V8's flags without node:v8, which
 * loads the streams itself; it is deprecated, hence the muted warning. Without it the
 * shim only starts slower.
 */
const heapFlags = (() => {
  const passed = process.execArgv.find((arg) => arg.startsWith('--max-old-space-size='));
  const none = { restore() {} };
  if (!passed) return none;
  const muted = process.noDeprecation;
  process.noDeprecation = true;
  try {
    const binding = process.binding('v8');
    binding.setFlagsFromString('--max-old-space-size=0');
    return { restore: () => binding.setFlagsFromString(passed) };
  } catch {
    return none;
  } finally {
    process.noDeprecation = muted;
  }
})();

const fs = require('node:fs');
const net = require('node:net');
const util = require('node:util');

const REQUEST_FD = 3;
const RESPONSE_FD = 4;
const LOG_CAP_BYTES = 256 * 1024;
const MAX_RESULT_BYTES = 6 * 1024 * 1024;
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;
/** The tmpfs mounts bwrap makes (its root, /dev, /dev/shm when separate, /tmp): those left writable are watched between invocations. */
const WRITABLE_ROOTS = ['/', '/dev', '/dev/shm', '/tmp'];
const NO_LOGS = { stdout: '', stderr: '', truncated: false };
const INVOKE_PREFIX = '{"type":"invoke","id":';
const utf8 = new TextDecoder('utf-8', { fatal: true });

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

const signature = (st) => `${st.ino}:${st.mode}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;

/** Removes a file or directory tree without following symlinks, iteratively; true when it is gone. */
function removeTree(target) {
  const stack = [[target, false]];
  while (stack.length > 0) {
    const [current, emptied] = stack.pop();
    try {
      if (emptied) {
        fs.rmdirSync(current);
        continue;
      }
      if (!fs.lstatSync(current).isDirectory()) {
        fs.unlinkSync(current);
        continue;
      }
      fs.chmodSync(current, 0o700); // a directory made unreadable must still be emptied
      stack.push([current, true]);
      for (const name of fs.readdirSync(current)) stack.push([`${current}/${name}`, false]);
    } catch (err) {
      if (!err || err.code !== 'ENOENT') return false;
    }
  }
  return !fs.existsSync(target);
}

/**
 * The sandbox's writable filesystems as they were once the handler had loaded. Callers do
 * not see each other: after each invocation, what it added there (files in /tmp or
 * /dev/shm, new entries on the root tmpfs) is removed before the shim answers. What the
 * handler created while loading stays; an entry of that snapshot that was removed,
 * replaced or modified cannot be put back, so the answer asks the worker to retire the
 * instance. A readdir per directory and an lstat per other entry: a few dozen syscalls.
 */
class Filesystems {
  constructor() {
    this.dirs = new Map();
    this.others = new Map();
    for (const root of WRITABLE_ROOTS) {
      let device;
      try {
        device = fs.lstatSync(root).dev;
        fs.accessSync(root, fs.constants.W_OK); // read-only (EROFS) or not ours to write: nothing can change there
      } catch {
        continue;
      }
      const stack = [root];
      while (stack.length > 0) {
        const dir = stack.pop();
        try {
          const names = new Set(fs.readdirSync(dir));
          for (const name of names) {
            const entry = dir === '/' ? `/${name}` : `${dir}/${name}`;
            const st = fs.lstatSync(entry);
            if (st.dev !== device) continue; // a mount point: another filesystem
            if (st.isDirectory()) stack.push(entry);
            else this.others.set(entry, signature(st));
          }
          this.dirs.set(dir, { ino: fs.lstatSync(dir).ino, names });
        } catch {
          // vanished or unreadable: not part of the snapshot
        }
      }
    }
  }

  /** Removes what was added since the snapshot; false when that is not enough. */
  restore() {
    let clean = true;
    for (const [dir, { ino, names }] of this.dirs) {
      let now;
      try {
        now = fs.readdirSync(dir);
        if (fs.lstatSync(dir).ino !== ino) {
          clean = false;
          continue;
        }
      } catch {
        clean = false;
        continue;
      }
      if (now.length === names.size && now.every((name) => names.has(name))) continue;
      for (const name of now) {
        if (!names.has(name) && !removeTree(dir === '/' ? `/${name}` : `${dir}/${name}`)) clean = false;
      }
      const present = new Set(now);
      for (const name of names) if (!present.has(name)) clean = false;
    }
    for (const [entry, expected] of this.others) {
      try {
        if (signature(fs.lstatSync(entry)) !== expected) clean = false;
      } catch {
        clean = false;
      }
    }
    return clean;
  }
}

let filesystems;

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
  const retire = filesystems && !filesystems.restore() ? { retire: true } : {};
  if (outcome.error) {
    send({ type: 'result', id: request.id, ok: false, error: outcome.error, logs, ...retire });
    return;
  }
  // The result is spliced in as already-encoded JSON so a big one is encoded once.
  const head = JSON.stringify({ type: 'result', id: request.id, ok: true, logs, ...retire }).slice(0, -1);
  const body = Buffer.from(`${head},"result":${outcome.json}}`, 'utf8');
  const header = Buffer.allocUnsafe(4);
  header.writeUInt32BE(body.length, 0);
  responses.write(Buffer.concat([header, body]));
}

/** The id of a request that could not be decoded, from its first bytes (the worker writes type and id first). */
function requestId(body) {
  const head = body.subarray(0, INVOKE_PREFIX.length + 20).toString('latin1');
  const match = head.startsWith(INVOKE_PREFIX) ? /^(\d+),/.exec(head.slice(INVOKE_PREFIX.length)) : null;
  return match ? Number(match[1]) : null;
}

/**
 * Decodes one request body; an undecodable one (not UTF-8, not JSON, not an object,
 * nested too deeply for the parser) yields an error answer instead: the shim keeps serving.
 */
function decode(body) {
  try {
    const request = JSON.parse(utf8.decode(body));
    if (request === null || typeof request !== 'object' || Array.isArray(request)) throw new TypeError('a request must be a JSON object');
    return { request };
  } catch (err) {
    const tooDeep = err instanceof RangeError;
    const error = tooDeep
      ? { type: 'LimitExceeded', message: 'The event is nested too deeply for the runtime to decode.' }
      : { type: 'InvalidRequest', message: `The request could not be decoded: ${err && err.name}: ${err && err.message}` };
    return { failed: { type: 'result', id: requestId(body), ok: false, error, logs: NO_LOGS } };
  }
}

/** Serves requests one at a time, in arrival order. */
function serve(handler) {
  let pending = Buffer.alloc(0);
  let skipping = 0;
  let queue = Promise.resolve();
  requests.on('data', (chunk) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    for (;;) {
      if (skipping > 0) {
        // The rest of an oversized request, read and dropped rather than buffered.
        const dropped = Math.min(skipping, pending.length);
        skipping -= dropped;
        pending = pending.subarray(dropped);
        if (skipping > 0) break;
      }
      if (pending.length < 4) break;
      const length = pending.readUInt32BE(0);
      if (length > MAX_REQUEST_BYTES) {
        skipping = length;
        pending = pending.subarray(4);
        const answer = { type: 'result', id: null, ok: false, error: { type: 'LimitExceeded', message: `The request is ${length} bytes, over the shim's ${MAX_REQUEST_BYTES}-byte limit.` }, logs: NO_LOGS };
        queue = queue.then(() => send(answer));
        continue;
      }
      if (pending.length < 4 + length) break;
      const decoded = decode(pending.subarray(4, 4 + length));
      pending = pending.subarray(4 + length);
      if (decoded.failed) queue = queue.then(() => send(decoded.failed));
      else if (decoded.request.type === 'invoke') queue = queue.then(() => run(handler, decoded.request));
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
  heapFlags.restore();
  const loaded = await loadHandler(modulePath, exportName);
  if (loaded.error) {
    send({ type: 'init_error', error: loaded.error });
    responses.end(() => process.exit(1));
    return;
  }
  filesystems = new Filesystems();
  send({ type: 'ready' });
  serve(loaded.handler);
}

main();
