"""PyFaaS runtime shim for POSIX shell functions, in the style of AWS Lambda's bash custom runtime.

Started inside the sandbox as `python3 -I -B shim.py <file.sh> <function> <max frame bytes>`.
Requests arrive on fd 3 and answers leave on fd 4, each a 4-byte big-endian length and UTF-8
JSON (PyFaaS's modules/runtime/protocol.ts): `ready` (or `init_error`) once, then one `result`
per `invoke`.

Each invocation runs `/bin/sh -c '. /var/task/<file.sh>; <function>'` with the event's JSON on
stdin and the invocation's context in PYFAAS_* variables. Its stdout is the result (parsed as
JSON when it is JSON, else the text without its last newline), its stderr the invocation's log,
and a non-zero exit a function error naming the code and the last stderr line. When the shell
exits, what it left running in its process group is killed, and what it wrote to /tmp and
/dev/shm is removed, so the next caller sees none of it.
"""
import json
import os
import selectors
import signal
import subprocess
import sys
import time

REQUEST_FD = 3
RESPONSE_FD = 4
CODE_DIR = "/var/task"
SHELL = "/bin/sh"
# The same caps as PyFaaS's built-in python3 shim: 256 KiB of each log, 6 MiB of result.
LOG_CAP_BYTES = 256 * 1024
MAX_RESULT_BYTES = 6 * 1024 * 1024
WRITABLE_DIRS = ("/tmp", "/dev/shm")
# While the shell runs, how often the shim looks whether it exited but left a process holding its output.
EXIT_POLL_SECONDS = 0.1
# How much of stderr's last line an error message quotes.
LAST_LINE_CHARS = 1000


def read_exact(count):
    """Exactly count bytes from the request fd; None when the worker closed it."""
    parts = []
    while count > 0:
        chunk = os.read(REQUEST_FD, min(count, 1 << 20))
        if not chunk:
            return None
        parts.append(chunk)
        count -= len(chunk)
    return b"".join(parts)


def write_frame(message, max_frame_bytes):
    body = json.dumps(message, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")
    if len(body) > max_frame_bytes:
        raise OverflowError("the answer is %d bytes of JSON, over the worker's %d-byte frame limit" % (len(body), max_frame_bytes))
    view = memoryview(len(body).to_bytes(4, "big") + body)
    while view:
        view = view[os.write(RESPONSE_FD, view):]


def no_constants(name):
    raise ValueError("%s is not JSON" % name)


def as_result(stdout):
    """The shell's stdout as the function's result: JSON when it parses as JSON, else the text."""
    text = stdout.decode("utf-8", "replace")
    try:
        value = json.loads(text, parse_constant=no_constants)
        json.dumps(value, allow_nan=False)  # what parses must also encode (deep nesting may not)
        return value
    except (ValueError, RecursionError):
        return text[:-1] if text.endswith("\n") else text


class Capped:
    """The first `cap` bytes of a stream; the rest is read and dropped, and counted as truncated."""

    def __init__(self, cap):
        self.cap, self.parts, self.size, self.truncated = cap, [], 0, False

    def add(self, chunk):
        room = self.cap - self.size
        if len(chunk) > room:
            self.truncated = True
            chunk = chunk[:room]
        self.parts.append(chunk)
        self.size += len(chunk)

    def bytes(self):
        return b"".join(self.parts)


def kill_group(pgid):
    """Kills what is left of the shell's process group and waits (up to a second) until the
    sandbox's init has reaped it, so the worker's count of leftover processes finds none."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except OSError:
        return  # the group is gone: nothing was left running
    for _ in range(100):
        try:
            os.killpg(pgid, 0)
        except OSError:
            return
        time.sleep(0.01)


def run_shell(file_name, function_name, event_json, env):
    """Runs one invocation's shell; returns (exit code, stdout Capped, stderr Capped)."""
    stdin = os.memfd_create("event")
    try:
        view = memoryview(event_json.encode("utf-8"))
        while view:
            view = view[os.write(stdin, view):]
        os.lseek(stdin, 0, os.SEEK_SET)
        script = ". %s/%s; %s" % (CODE_DIR, file_name, function_name)
        shell = subprocess.Popen([SHELL, "-c", script], stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=CODE_DIR, env=env, start_new_session=True)
    finally:
        os.close(stdin)
    outputs = {shell.stdout: Capped(MAX_RESULT_BYTES + 1), shell.stderr: Capped(LOG_CAP_BYTES)}
    with selectors.DefaultSelector() as selector:
        for stream in outputs:
            selector.register(stream, selectors.EVENT_READ)
        while selector.get_map():
            for key, _ in selector.select(EXIT_POLL_SECONDS):
                chunk = os.read(key.fd, 1 << 16)
                if chunk:
                    outputs[key.fileobj].add(chunk)
                else:
                    selector.unregister(key.fileobj)
            if shell.poll() is not None:
                kill_group(shell.pid)  # a background process still holding stdout must not hold the answer
    code = shell.wait()
    kill_group(shell.pid)
    for stream in outputs:
        stream.close()
    return code, outputs[shell.stdout], outputs[shell.stderr]


def remove_tree(path):
    """Removes a file or a directory tree, symlinks not followed; True when it is gone."""
    try:
        if os.path.isdir(path) and not os.path.islink(path):
            os.chmod(path, 0o700)  # a directory made unreadable must still be emptied
            for name in os.listdir(path):
                remove_tree(os.path.join(path, name))
            os.rmdir(path)
        else:
            os.unlink(path)
    except FileNotFoundError:
        pass
    except (OSError, RecursionError):
        return False
    return True


def wipe_writable():
    """Empties /tmp and /dev/shm (the shim keeps nothing there); False when something stays."""
    clean = True
    for directory in WRITABLE_DIRS:
        try:
            names = os.listdir(directory)
        except OSError:
            continue
        for name in names:
            clean = remove_tree(os.path.join(directory, name)) and clean
    return clean


def last_line(text):
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1][:LAST_LINE_CHARS] if lines else "(nothing on stderr)"


def exit_error(code, stderr_text):
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = "signal %d" % -code
        return {"type": "KilledBySignal", "message": "The shell function was killed by %s: %s" % (name, last_line(stderr_text))}
    return {"type": "NonZeroExit", "message": "The shell function exited with code %d: %s" % (code, last_line(stderr_text))}


def invocation_env(context):
    env = dict(os.environ)
    env.update(
        PYFAAS_INVOCATION_ID=str(context.get("invocationId", "")),
        PYFAAS_FUNCTION_NAME=str(context.get("functionName", "")),
        PYFAAS_FUNCTION_VERSION=str(context.get("version", "")),
        PYFAAS_MEMORY_MB=str(context.get("memoryMb", "")),
        PYFAAS_DEADLINE_MS=str(context.get("deadlineMs", "")),
    )
    return env


def invoke(request, file_name, function_name):
    """The `result` message for one invoke request (ok or not); never raises for the function's doing."""
    answer = {"type": "result", "id": request.get("id")}
    context = request.get("context") if isinstance(request.get("context"), dict) else {}
    try:
        code, stdout, stderr = run_shell(file_name, function_name, json.dumps(request.get("event"), ensure_ascii=False, separators=(",", ":")), invocation_env(context))
    except (OSError, ValueError) as exc:  # an env value with a NUL, no fork left under the pids limit
        answer.update(ok=False, error={"type": "ShellNotStarted", "message": "The shell could not start: %s" % exc}, logs={"stdout": "", "stderr": "", "truncated": False})
        return answer
    stderr_text = stderr.bytes().decode("utf-8", "replace")
    if code != 0:
        kept = stdout.bytes()[:LOG_CAP_BYTES]
        logs = {"stdout": kept.decode("utf-8", "replace"), "stderr": stderr_text, "truncated": stderr.truncated or stdout.size > len(kept)}
        answer.update(ok=False, error=exit_error(code, stderr_text), logs=logs)
    elif stdout.truncated:
        logs = {"stdout": "", "stderr": stderr_text, "truncated": stderr.truncated}
        answer.update(ok=False, error={"type": "ResultTooLarge", "message": "The function printed more than %d bytes to stdout, the result limit." % MAX_RESULT_BYTES}, logs=logs)
    else:
        answer.update(ok=True, result=as_result(stdout.bytes()), logs={"stdout": "", "stderr": stderr_text, "truncated": stderr.truncated})
    return answer


def defines_function(file_name, function_name):
    """None when sourcing the file defines the shell function, else the init_error saying why not."""
    if not os.path.isfile("%s/%s" % (CODE_DIR, file_name)):
        return {"type": "HandlerNotFound", "message": "The handler file %s is not in the function's code." % file_name}
    # dash says "x is a shell function", bash "x is a function". What sourcing prints on stderr
    # goes to a memory file, not a pipe, which a process it started could hold open.
    probe = '. %s/%s >/dev/null </dev/null; case "$(type %s 2>/dev/null)" in *" function") exit 0;; esac; exit 1' % (CODE_DIR, file_name, function_name)
    stderr = os.memfd_create("probe-stderr")
    try:
        shell = subprocess.Popen([SHELL, "-c", probe], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr, cwd=CODE_DIR, start_new_session=True)
        code = shell.wait()
        kill_group(shell.pid)  # what its top level started must not outlive the probe
        size = os.fstat(stderr).st_size
        said = os.pread(stderr, LOG_CAP_BYTES, max(0, size - LOG_CAP_BYTES)).decode("utf-8", "replace")
    finally:
        os.close(stderr)
    if code != 0:
        why = " (sourcing it said: %s)" % last_line(said) if said.strip() else ""
        return {"type": "HandlerNotFound", "message": "%s defines no shell function %s%s." % (file_name, function_name, why)}
    return None


def main():
    file_name, function_name, max_frame_bytes = sys.argv[1], sys.argv[2], int(sys.argv[3])
    os.set_inheritable(REQUEST_FD, False)
    os.set_inheritable(RESPONSE_FD, False)
    init_error = defines_function(file_name, function_name)
    wipe_writable()
    if init_error is not None:
        write_frame({"type": "init_error", "error": init_error}, max_frame_bytes)
        sys.exit(1)
    write_frame({"type": "ready"}, max_frame_bytes)
    while True:
        header = read_exact(4)
        length = None if header is None else int.from_bytes(header, "big")
        body = None if length is None or length > max_frame_bytes else read_exact(length)
        if body is None:
            return  # the worker closed the pipe (the instance is being stopped) or broke the framing
        try:
            request = json.loads(body.decode("utf-8"))
        except (ValueError, RecursionError) as exc:
            no_logs = {"stdout": "", "stderr": "", "truncated": False}
            write_frame({"type": "result", "id": None, "ok": False, "error": {"type": "InvalidRequest", "message": "The request could not be decoded: %s" % exc}, "logs": no_logs}, max_frame_bytes)
            continue
        if not isinstance(request, dict) or request.get("type") != "invoke":
            continue
        answer = invoke(request, file_name, function_name)
        if not wipe_writable():
            answer["retire"] = True  # a file it left could not be removed: the worker starts a fresh instance
        try:
            write_frame(answer, max_frame_bytes)
        except OverflowError as exc:
            error = {"type": "ResultTooLarge", "message": "The result does not fit in one answer: %s." % exc}
            write_frame({"type": "result", "id": answer["id"], "ok": False, "error": error, "logs": {"stdout": "", "stderr": "", "truncated": True}}, max_frame_bytes)


if __name__ == "__main__":
    main()
