"""PyFaaS runtime shim for Python: imports one handler once, then serves invocations.

Run inside the sandbox as `python3 -B shim.py <module> <export>`. Requests arrive on fd 3
and answers leave on fd 4, each a 4-byte big-endian length and UTF-8 JSON (the worker's
modules/runtime/protocol.ts). fds 1 and 2 stay the instance's own log; what the handler
prints during an invocation is captured in-process and returned with its result.

Only os, sys and the C half of json are imported up front, to keep an idle instance small
and its start fast: the json package pulls in re and enum (~1.3 MiB, and 8 ms or more of
every cold start) for features the protocol does not use. asyncio, traceback and logging
(several MiB between them) load when a handler first needs them.
"""
import os
import sys

try:
    import _json
except ImportError:  # an interpreter without the accelerator: the full package will do
    _json = None

REQUEST_FD = 3
RESPONSE_FD = 4
CODE_DIR = "/var/task"
LOG_CAP_BYTES = 256 * 1024
MAX_RESULT_BYTES = 6 * 1024 * 1024
MAX_REQUEST_BYTES = 16 * 1024 * 1024
SHIM_PID = os.getpid()
# The tmpfs mounts bwrap makes (its root, /dev, /dev/shm when separate, /tmp): those the
# sandbox leaves writable are watched between invocations.
WRITABLE_ROOTS = ("/", "/dev", "/dev/shm", "/tmp")
NO_LOGS = {"stdout": "", "stderr": "", "truncated": False}
INVOKE_PREFIX = b'{"type":"invoke","id":'


if _json is not None:

    class _DecodeOptions:
        """What the C scanner reads from json.JSONDecoder: plain JSON, nothing hooked."""

        strict = True
        object_hook = None
        object_pairs_hook = None
        parse_float = float
        parse_int = int
        parse_constant = float

    _scan = _json.make_scanner(_DecodeOptions())

    def _not_json(value):
        raise TypeError("Object of type %s is not JSON serializable" % type(value).__name__)

    def loads(text):
        value, end = _scan(text, 0)
        if text[end:].strip():
            raise ValueError("extra data after the JSON value at character %d" % end)
        return value

    def dumps(value, allow_nan=True):
        # Arguments as json.JSONEncoder passes them: markers (for cycles), default, string
        # encoder, indent, separators, sort_keys, skipkeys, allow_nan.
        encode = _json.make_encoder({}, _not_json, _json.encode_basestring_ascii, None, ":", ",", False, False, allow_nan)
        return "".join(encode(value, 0))

else:
    from json import loads
    from json import dumps as _json_dumps

    def dumps(value, allow_nan=True):
        return _json_dumps(value, allow_nan=allow_nan, separators=(",", ":"))


def read_exact(count):
    """Reads exactly count bytes from the request fd; None when the worker closed it."""
    parts = []
    while count > 0:
        chunk = os.read(REQUEST_FD, min(count, 1 << 20))
        if not chunk:
            return None
        parts.append(chunk)
        count -= len(chunk)
    return b"".join(parts)


def skip_exact(count):
    """Reads and drops count bytes; False when the worker closed the fd first."""
    while count > 0:
        chunk = os.read(REQUEST_FD, min(count, 1 << 20))
        if not chunk:
            return False
        count -= len(chunk)
    return True


def request_id(body):
    """The id of a request that could not be decoded, from its first bytes (the worker writes type and id first)."""
    if not body.startswith(INVOKE_PREFIX):
        return None
    digits = body[len(INVOKE_PREFIX) : len(INVOKE_PREFIX) + 20].split(b",", 1)[0]
    return int(digits) if digits.isdigit() else None


def read_frame():
    """The next request as (request, None), or (None, (id, error)) for one that cannot be
    decoded (over the size limit, not UTF-8, not JSON, nested too deeply for the decoder):
    the shim answers that one with an error and keeps serving. None when the worker closed
    the request fd."""
    header = read_exact(4)
    if header is None:
        return None
    length = int.from_bytes(header, "big")
    if length > MAX_REQUEST_BYTES:
        if not skip_exact(length):
            return None
        return None, (None, {"type": "LimitExceeded", "message": "The request is %d bytes, over the shim's %d-byte limit." % (length, MAX_REQUEST_BYTES)})
    body = read_exact(length)
    if body is None:
        return None
    try:
        request = loads(body.decode("utf-8"))
        if not isinstance(request, dict):
            raise ValueError("a request must be a JSON object, not %s" % type(request).__name__)
        return request, None
    except RecursionError:
        error = {"type": "LimitExceeded", "message": "The event is nested too deeply for the runtime to decode."}
    except Exception as exc:  # UnicodeDecodeError, ValueError, StopIteration (no value), MemoryError
        error = {"type": "InvalidRequest", "message": "The request could not be decoded: %s: %s" % (type(exc).__name__, exc)}
    return None, (request_id(body), error)


def _signature(st):
    return (st.st_ino, st.st_mode, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def remove_tree(path):
    """Removes a file or directory tree without following symlinks, iteratively (a deep
    tree must not exhaust the stack); True when it is gone."""
    stack = [(path, False)]
    while stack:
        current, emptied = stack.pop()
        try:
            if emptied:
                os.rmdir(current)
                continue
            st = os.lstat(current)
            if (st.st_mode & 0o170000) != 0o040000:
                os.unlink(current)
                continue
            os.chmod(current, 0o700)  # a directory made unreadable must still be emptied
            stack.append((current, True))
            with os.scandir(current) as entries:
                stack.extend((entry.path, False) for entry in entries)
        except FileNotFoundError:
            pass
        except OSError:
            return False
    return not os.path.lexists(path)


class Filesystems:
    """The sandbox's writable filesystems as they were once the handler had loaded.

    Callers do not see each other: after each invocation, what it added there (files in
    /tmp or /dev/shm, new entries on the root tmpfs) is removed before the shim answers.
    What the handler created while loading stays (a cache it made for every caller); an
    entry of that snapshot that was removed, replaced or modified cannot be put back, so
    the answer asks the worker to retire the instance instead. The check is a listdir per
    directory and an lstat per other entry of the snapshot: a few dozen syscalls for a
    typical function.
    """

    def __init__(self):
        self.dirs = {}
        self.others = {}
        for root in WRITABLE_ROOTS:
            try:
                device = os.lstat(root).st_dev
                if not os.access(root, os.W_OK):
                    continue  # read-only (EROFS) or not ours to write: nothing can change there
            except OSError:
                continue
            stack = [root]
            while stack:
                directory = stack.pop()
                try:
                    names = set()
                    with os.scandir(directory) as entries:
                        for entry in entries:
                            names.add(entry.name)
                            st = entry.stat(follow_symlinks=False)
                            if st.st_dev != device:
                                continue  # a mount point: another filesystem, read-only or another root
                            if entry.is_dir(follow_symlinks=False):
                                stack.append(entry.path)
                            else:
                                self.others[entry.path] = _signature(st)
                    self.dirs[directory] = (os.lstat(directory).st_ino, names)
                except OSError:
                    continue

    def restore(self):
        """Removes what was added since the snapshot; False when that is not enough."""
        clean = True
        for directory, (inode, names) in self.dirs.items():
            try:
                now = os.listdir(directory)
                if os.lstat(directory).st_ino != inode:
                    clean = False
                    continue
            except OSError:
                clean = False
                continue
            if len(now) == len(names) and names.issuperset(now):
                continue
            for name in now:
                if name not in names and not remove_tree(os.path.join(directory, name)):
                    clean = False
            if not names.issubset(now):
                clean = False
        for path, signature in self.others.items():
            try:
                if _signature(os.lstat(path)) != signature:
                    clean = False
            except OSError:
                clean = False
        return clean


filesystems = None


def write_frame_text(text):
    body = text.encode("utf-8", "surrogatepass")
    view = memoryview(len(body).to_bytes(4, "big") + body)
    while view:
        written = os.write(RESPONSE_FD, view)
        view = view[written:]


def write_frame(message):
    write_frame_text(dumps(message))


def describe(exc):
    """The error as the worker reports it; never raises, whatever the exception does."""
    try:
        message = str(exc)
    except BaseException:
        message = "<unprintable %s>" % type(exc).__name__
    error = {"type": type(exc).__name__, "message": message}
    try:
        import traceback

        error["stack"] = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    except BaseException:
        pass
    return error


class CappedWriter:
    """A text stream keeping the first LOG_CAP_BYTES written; the rest is counted, not kept.

    A handler printing 100 MB must neither grow the shim's memory nor the answer frame.
    """

    encoding = "utf-8"
    errors = "replace"

    def __init__(self):
        self.parts = []
        self.room = LOG_CAP_BYTES
        self.truncated = False

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError("write() argument must be str, not %s" % type(text).__name__)
        if self.room <= 0:
            if text:
                self.truncated = True
            return len(text)
        # Characters are at most 4 UTF-8 bytes: slicing by characters first keeps a huge
        # string from being encoded whole just to be cut.
        piece = text[: self.room]
        size = len(piece.encode("utf-8", "surrogatepass"))
        if size > self.room:
            piece = piece.encode("utf-8", "surrogatepass")[: self.room].decode("utf-8", "ignore")
            size = self.room
        if len(piece) < len(text):
            self.truncated = True
        self.parts.append(piece)
        self.room -= size
        return len(text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        pass

    def isatty(self):
        return False

    def writable(self):
        return True

    def readable(self):
        return False

    def fileno(self):
        import io

        raise io.UnsupportedOperation("captured stream has no file descriptor")

    def text(self):
        return "".join(self.parts)

    @property
    def buffer(self):
        """For code writing bytes to sys.stdout.buffer."""
        return _BytesToText(self)


class _BytesToText:
    def __init__(self, text_stream):
        self.text_stream = text_stream

    def write(self, data):
        self.text_stream.write(bytes(data).decode("utf-8", "replace"))
        return len(data)

    def flush(self):
        pass


class StderrProxy:
    """What context.logger writes to: whichever stderr capture is current."""

    def write(self, text):
        return sys.stderr.write(text)

    def flush(self):
        pass


class Context:
    """The handler's second argument, named as in AWS Lambda's Python runtime."""

    __slots__ = ("invocation_id", "function_name", "function_version", "memory_limit_in_mb", "deadline_ms")

    def __init__(self, fields):
        self.invocation_id = fields.get("invocationId")
        self.function_name = fields.get("functionName")
        self.function_version = fields.get("version")
        self.memory_limit_in_mb = fields.get("memoryMb")
        self.deadline_ms = fields.get("deadlineMs") or 0

    @property
    def aws_request_id(self):
        return self.invocation_id

    def get_remaining_time_in_millis(self):
        import time

        return max(0, int(self.deadline_ms - time.time() * 1000))

    @property
    def logger(self):
        return function_logger()


_logger = None


def function_logger():
    global _logger
    if _logger is None:
        import logging

        _logger = logging.getLogger("function")
        _logger.setLevel(logging.INFO)
        _logger.propagate = False
        handler = logging.StreamHandler(StderrProxy())
        handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
        _logger.addHandler(handler)
    return _logger


def load_handler(module_name, export_name):
    """Imports the handler once; returns it, or the init_error frame describing why not."""
    relative = module_name.replace(".", "/")
    if not (os.path.isfile("%s/%s.py" % (CODE_DIR, relative)) or os.path.isfile("%s/%s/__init__.py" % (CODE_DIR, relative))):
        return None, {"type": "HandlerNotFound", "message": "The handler file %s.py is not in the function's code." % relative}
    try:
        __import__(module_name)
        module = sys.modules[module_name]
    except BaseException as exc:  # the import may raise anything, SystemExit included
        return None, describe(exc)
    handler = getattr(module, export_name, None)
    if handler is None:
        return None, {"type": "HandlerNotFound", "message": "%s.py defines no %s." % (relative, export_name)}
    if not callable(handler):
        return None, {"type": "HandlerNotCallable", "message": "%s.%s is a %s, not a function." % (module_name, export_name, type(handler).__name__)}
    return handler, None


async def await_result(awaitable):
    return await awaitable


def call(handler, event, context):
    result = handler(event, context)
    if hasattr(result, "__await__"):
        import asyncio

        result = asyncio.run(await_result(result))
    return result


def run(handler, request):
    stdout, stderr = CappedWriter(), CappedWriter()
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = stdout, stderr
    error = None
    encoded = None
    try:
        result = call(handler, request.get("event"), Context(request.get("context") or {}))
        try:
            encoded = dumps(result, allow_nan=False)
        except (TypeError, ValueError, RecursionError) as exc:
            error = {"type": "ResultNotSerializable", "message": "The handler returned a value that is not JSON: %s" % exc}
        else:
            if len(encoded) > MAX_RESULT_BYTES:
                error = {"type": "ResultTooLarge", "message": "The result is %d bytes of JSON, over the %d-byte limit." % (len(encoded), MAX_RESULT_BYTES)}
    except BaseException as exc:  # a handler's exception, even SystemExit, must not end the shim
        error = describe(exc)
    finally:
        sys.stdout, sys.stderr = saved
    if os.getpid() != SHIM_PID:
        # A process the handler forked came back through here: only the shim answers.
        os._exit(0)
    retire = "" if filesystems is None or filesystems.restore() else '"retire":true,'
    logs = dumps({"stdout": stdout.text(), "stderr": stderr.text(), "truncated": stdout.truncated or stderr.truncated})
    head = '{"type":"result","id":%s,%s' % (dumps(request.get("id")), retire)
    if error is not None:
        write_frame_text('%s"ok":false,"error":%s,"logs":%s}' % (head, dumps(error), logs))
    else:
        # The result is spliced in as already-encoded JSON so a big one is encoded once.
        write_frame_text('%s"ok":true,"result":%s,"logs":%s}' % (head, encoded, logs))


def main():
    module_name, export_name = sys.argv[1], sys.argv[2]
    # Running a script puts its own directory first on sys.path: drop it so a function's
    # module can never resolve to the shim's files.
    if sys.path and sys.path[0] == os.path.dirname(os.path.abspath(__file__)):
        del sys.path[0]
    # Not dumpable: a process the function leaves behind cannot read or write the shim's
    # memory through /proc/<pid>/mem (PR_SET_DUMPABLE = 4).
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    # Processes the handler starts must not inherit the protocol pipes.
    os.set_inheritable(REQUEST_FD, False)
    os.set_inheritable(RESPONSE_FD, False)
    handler, init_error = load_handler(module_name, export_name)
    if init_error is not None:
        write_frame({"type": "init_error", "error": init_error})
        sys.exit(1)
    global filesystems
    filesystems = Filesystems()
    write_frame({"type": "ready"})
    while True:
        frame = read_frame()
        if frame is None:
            return
        request, undecodable = frame
        if undecodable is not None:
            write_frame({"type": "result", "id": undecodable[0], "ok": False, "error": undecodable[1], "logs": NO_LOGS})
        elif request.get("type") == "invoke":
            run(handler, request)


if __name__ == "__main__":
    main()
