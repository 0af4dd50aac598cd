import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ALL_FUNCTIONS_PIDS_MAX, cpuCores, CPU_POLICY, instanceGroupDirs, limitMode, OPEN_FILES_LIMIT } from '../../../modules/worker/limits';
import { SANDBOX_UID } from '../../../modules/worker/sandbox';
import { removeFunctionDirs, request, startedInstance, stopInstances } from './fixtures';

const PROBES = `
import ctypes, errno, os, time

libc = ctypes.CDLL(None, use_errno=True)

def call(name, *args):
    result = getattr(libc, name)(*args)
    return 0 if result >= 0 else ctypes.get_errno()

def identity(event, context):
    status = dict(line.split(":\\t", 1) for line in open("/proc/self/status").read().splitlines() if ":\\t" in line)
    return {"uid": os.getuid(), "gid": os.getgid(), "euid": os.geteuid(),
            "caps": {key: status[key].strip() for key in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")},
            "noNewPrivs": status["NoNewPrivs"].strip(), "seccomp": status["Seccomp"].strip()}

def syscalls(event, context):
    buf = ctypes.create_string_buffer(128)
    return {
        "ptrace": call("ptrace", 16, 1, 0, 0),              # PTRACE_ATTACH to pid 1 (the sandbox's init)
        "mount": call("mount", b"none", b"/tmp", b"tmpfs", 0, None),
        "umount2": call("umount2", b"/tmp", 0),
        "unshare": call("unshare", 0x20000),                 # CLONE_NEWNS
        "unshareUser": call("unshare", 0x10000000),          # CLONE_NEWUSER
        "bpf": call("syscall", 321, 0, None, 0),             # bpf(BPF_MAP_CREATE)
        "keyctl": call("syscall", 250, 0, 0, 0, 0),          # keyctl(KEYCTL_GET_KEYRING_ID)
        "perfEventOpen": call("syscall", 298, None, 0, -1, -1, 0),
        "userfaultfd": call("syscall", 323, 0),
        "setns": call("setns", 0, 0),
        "personality": call("personality", 0x0040000),      # ADDR_NO_RANDOMIZE
        "pivotRoot": call("syscall", 155, b"/tmp", b"/tmp"),
        "getpid": call("getpid"),                            # an ordinary call still works
    }

def visible(event, context):
    return {path: os.path.exists(path) and len(os.listdir(path)) > 0 for path in ("/usr/local", "/etc/ssl/private", "/etc/ssl/certs")}

def fill(event, context):
    written = 0
    chunk = b"x" * (1024 * 1024)
    try:
        with open(event["path"], "wb") as f:
            while written < event["limitMb"] * 4:
                f.write(chunk)
                f.flush()
                written += 1
        return {"written": written}
    except OSError as exc:
        return {"written": written, "errno": exc.errno}
    finally:
        try:
            os.unlink(event["path"])
        except OSError:
            pass

def writable(event, context):
    out = {}
    for path in event["paths"]:
        try:
            open(path, "w").close()
            out[path] = 0
        except OSError as exc:
            out[path] = exc.errno
    return out

def open_files(event, context):
    import resource
    files = []
    try:
        for _ in range(event["count"]):
            files.append(open("/dev/null"))
        return {"opened": len(files), "limit": resource.getrlimit(resource.RLIMIT_NOFILE)}
    except OSError as exc:
        return {"opened": len(files), "errno": exc.errno, "limit": resource.getrlimit(resource.RLIMIT_NOFILE)}
    finally:
        for f in files:
            f.close()

def burn(event, context):
    end = time.time() + event["seconds"]
    n = 0
    while time.time() < end:
        n += 1
    return n
`;

const probe = (handler: string, overrides = {}) => startedInstance({ 'probes.py': PROBES }, { handler: `probes.${handler}`, timeoutMs: 10_000, ...overrides });
const EPERM = 1;

/** User + system CPU time of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

describe('sandbox hardening', () => {
  afterEach(stopInstances);
  afterAll(removeFunctionDirs);

  it('runs the function as uid/gid 65534 with no capabilities, no_new_privs and a seccomp filter', async () => {
    const instance = await probe('identity');
    const result = (await instance.invoke(request(), 5000)).result as Record<string, unknown>;
    expect(result).toMatchObject({ uid: SANDBOX_UID, gid: SANDBOX_UID, euid: SANDBOX_UID, noNewPrivs: '1', seccomp: '2' });
    expect(Object.values(result.caps as Record<string, string>)).toEqual(Array(5).fill('0000000000000000'));
  });

  it('refuses ptrace, mount, unshare, bpf and the other denied syscalls with EPERM, and keeps serving', async () => {
    const instance = await probe('syscalls');
    const outcome = await instance.invoke(request(), 5000);
    expect(outcome.status).toBe('succeeded');
    const result = outcome.result as Record<string, number>;
    const { getpid, ...denied } = result;
    expect(getpid).toBe(0);
    for (const [name, errno] of Object.entries(denied)) expect([name, errno]).toEqual([name, EPERM]);
    expect((await instance.invoke(request(), 5000)).status).toBe('succeeded');
  });

  it('hides /usr/local and /etc/ssl/private but keeps the public certificates', async () => {
    const instance = await probe('visible');
    expect((await instance.invoke(request(), 5000)).result).toEqual({ '/usr/local': false, '/etc/ssl/private': false, '/etc/ssl/certs': true });
  });

  it('bounds /tmp and /dev/shm: writing past their size fails with ENOSPC and the instance keeps serving', async () => {
    const instance = await probe('fill', { memoryMb: 64 }); // /tmp is half the memory: 32 MiB
    const tmp = (await instance.invoke(request({ path: '/tmp/big', limitMb: 32 }), 10_000)).result as { written: number; errno?: number };
    expect(tmp.errno).toBe(28);
    expect(tmp.written).toBeLessThanOrEqual(32);
    const shm = (await instance.invoke(request({ path: '/dev/shm/big', limitMb: 16 }), 10_000)).result as { written: number; errno?: number };
    expect(shm.errno).toBe(28);
    expect(instance.state).toBe('idle');
  });

  it('makes /, /dev, the code and the system read-only: /tmp and /dev/shm are the only writable places', async () => {
    const instance = await probe('writable');
    const result = (await instance.invoke(request({ paths: ['/x', '/dev/x', '/usr/x', '/usr/local/x', '/var/task/x', '/opt/pyfaas/x', '/tmp/x', '/dev/shm/x'] }), 5000)).result;
    expect(result).toEqual({ '/x': 30, '/dev/x': 30, '/usr/x': 30, '/usr/local/x': 30, '/var/task/x': 30, '/opt/pyfaas/x': 30, '/tmp/x': 0, '/dev/shm/x': 0 });
  });

  it(`stops a function opening 2000 files at ${OPEN_FILES_LIMIT} with EMFILE`, async () => {
    const instance = await probe('open_files');
    const result = (await instance.invoke(request({ count: 2000 }), 5000)).result as { opened: number; errno: number; limit: number[] };
    expect(result.errno).toBe(24);
    expect(result.limit).toEqual([OPEN_FILES_LIMIT, OPEN_FILES_LIMIT]);
    expect(result.opened).toBeGreaterThan(OPEN_FILES_LIMIT - 20);
    expect(result.opened).toBeLessThan(OPEN_FILES_LIMIT);
  });

  const cgroups = limitMode() !== 'rlimit' && instanceGroupDirs('probe').some((dir) => dir.includes('/cpu'));
  (cgroups ? it : it.skip)('holds a CPU-burning function near its quota (memoryMb / 1769 of a core, at least 0.1)', async () => {
    const memoryMb = 256;
    const instance = await probe('burn', { memoryMb });
    await new Promise((resolve) => setTimeout(resolve, CPU_POLICY.startBoostMs + 100)); // past the start boost
    const invoked = instance.invoke(request({ seconds: 2.5 }), 10_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const pid = instance.interpreterPid()!;
    const before = cpuSeconds(pid);
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const used = (cpuSeconds(pid) - before) / ((performance.now() - started) / 1000);
    expect((await invoked).status).toBe('succeeded');
    expect(used).toBeLessThanOrEqual(cpuCores(memoryMb) * 1.2 + 0.02); // + one clock tick of rounding
    expect(used).toBeGreaterThan(cpuCores(memoryMb) * 0.5);
  });

  (limitMode() !== 'rlimit' ? it : it.skip)('puts every instance under one parent group with a host-wide pids ceiling', async () => {
    const instance = await probe('identity');
    const pidsGroup = instanceGroupDirs(instance.id).find((dir) => existsSync(path.join(dir, 'pids.max')))!;
    expect(readFileSync(path.join(path.dirname(pidsGroup), 'pids.max'), 'utf8').trim()).toBe(String(ALL_FUNCTIONS_PIDS_MAX));
  });
});
