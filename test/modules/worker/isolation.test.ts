import { silentLogger } from '../../../common/logger';
import { processTree } from '../../../modules/worker/process-tree';
import { LocalPool } from '../../../modules/worker/local-pool';
import { functionSpec, removeFunctionDirs, request, RUNTIMES, runningPids, startedInstance, stopInstances, writeFunction } from './fixtures';

/** One function, its actions picked by the event: what callers A and B each send. */
const PYTHON_CODE = String.raw`
import os, subprocess, time

# Written while loading: part of every caller's starting state, so it stays.
with open("/tmp/init-cache.txt", "w") as f:
    f.write("made at import")

def procs():
    return sorted(int(p) for p in os.listdir("/proc") if p.isdigit())

def live_procs():
    """Running processes only: a child that exited and was not waited for is a zombie until the instance ends."""
    live = []
    for pid in procs():
        try:
            stat = open("/proc/%d/stat" % pid).read()
        except OSError:
            continue
        if stat[stat.rindex(")") + 2] != "Z":
            live.append(pid)
    return live

def spawn():
    """Leaves three processes behind: a Popen'd sleep, a forked child, a double-forked setsid() daemon."""
    sleeper = subprocess.Popen(["sleep", "60"])
    if os.fork() == 0:
        time.sleep(60)
        os._exit(0)
    r, w = os.pipe()
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.write(w, b"x")
            time.sleep(60)
            os._exit(0)
        os._exit(0)
    os.read(r, 1)
    return procs()

SPY = '''
import os, time
me = os.getpid()
found = set()
deadline = time.time() + 20
while time.time() < deadline:
    for pid in [p for p in os.listdir("/proc") if p.isdigit() and int(p) != me]:
        for name in ("environ", "cmdline"):
            try:
                if b"SECRET-" in open("/proc/%s/%s" % (pid, name), "rb").read():
                    found.add(name)
            except OSError:
                pass
        try:
            mem = open("/proc/%s/mem" % pid, "rb", 0)
            for line in open("/proc/%s/maps" % pid):
                fields = line.split()
                # Written-to memory only (heap, anonymous maps): faulting in every mapping would
                # charge the sandbox's memory cgroup and get the spy OOM-killed.
                if not fields[1].startswith("rw") or len(fields) > 5 and fields[5] not in ("[heap]",):
                    continue
                start, end = (int(x, 16) for x in fields[0].split("-"))
                for at in range(start, min(end, start + (16 << 20)), 1 << 20):
                    try:
                        mem.seek(at)
                        chunk = mem.read(min(end - at, 1 << 20))
                    except (OSError, ValueError, OverflowError):
                        break
                    hit = chunk.find(b"SECRET-")
                    if hit >= 0:
                        found.add(chunk[hit:hit + 24].decode("latin1"))
        except Exception:
            pass
    if found:
        for path in ("/tmp/loot", "/dev/shm/loot"):
            try:
                open(path, "w").write(repr(sorted(found)))
            except OSError:
                pass
    time.sleep(0.02)
'''

def spy():
    """A daemon, detached from the shim, that hunts for the next caller's event."""
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            try:
                exec(SPY, {})
            finally:
                os._exit(0)
        os._exit(0)
    time.sleep(0.3)
    return live_procs()

def read_loot():
    for path in ("/tmp/loot", "/dev/shm/loot"):
        try:
            return open(path).read()
        except OSError:
            pass
    return None

def write_files():
    written = []
    for path in ("/tmp/a-secret.txt", "/dev/shm/a-secret", "/a-secret", "/etc/a-secret"):
        try:
            with open(path, "w") as f:
                f.write("caller A was here")
            written.append(path)
        except OSError:
            pass
    os.makedirs("/tmp/deep/er/still", exist_ok=True)
    open("/tmp/deep/er/still/file", "w").write("x")
    os.chmod("/tmp/deep/er", 0)
    os.symlink("/var/task", "/tmp/link-to-code")
    written += ["/tmp/deep", "/tmp/link-to-code"]
    return written

def look(paths):
    return {"present": [p for p in paths if os.path.lexists(p)], "tmp": sorted(os.listdir("/tmp"))}

def handler(event, context):
    action = event["action"]
    if action == "procs":
        return procs()
    if action == "spawn":
        return spawn()
    if action == "spy":
        return spy()
    if action == "victim":
        secret = "SECRET-" + event["secret"]
        time.sleep(0.4)
        return len(secret)
    if action == "loot":
        return read_loot()
    if action == "write":
        return write_files()
    if action == "look":
        return look(event["paths"])
    if action == "touch_cache":
        with open("/tmp/init-cache.txt", "a") as f:
            f.write(" and changed")
        return True
    return None
`;

const NODE_CODE = String.raw`
const fs = require('node:fs');
const { spawn } = require('node:child_process');
fs.writeFileSync('/tmp/init-cache.txt', 'made at load');
const procs = () => fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number).sort((a, b) => a - b);
exports.handler = async (event) => {
  switch (event.action) {
    case 'procs': return procs();
    case 'spawn': {
      spawn('sleep', ['60'], { detached: true, stdio: 'ignore' }).unref();
      spawn('sh', ['-c', '(sleep 60 &) ; exit 0'], { stdio: 'ignore' });
      await new Promise((resolve) => setTimeout(resolve, 200));
      return procs();
    }
    case 'write': {
      fs.writeFileSync('/tmp/a-secret.txt', 'caller A');
      fs.mkdirSync('/tmp/deep/er', { recursive: true });
      fs.writeFileSync('/tmp/deep/er/file', 'x');
      try { fs.writeFileSync('/dev/shm/a-secret', 'caller A'); } catch {}
      return ['/tmp/a-secret.txt', '/tmp/deep', '/dev/shm/a-secret'];
    }
    case 'look': return { present: event.paths.filter((p) => { try { fs.lstatSync(p); return true; } catch { return false; } }), tmp: fs.readdirSync('/tmp').sort() };
    default: return null;
  }
};
`;

const PY_FILES = { 'main.py': PYTHON_CODE };
const NODE_FILES = { 'index.js': NODE_CODE };

describe.each(['auto', 'rlimit'] as const)('Callers do not see each other (limits: %s)', (limits) => {
  const pools: LocalPool[] = [];
  const makePool = () => {
    const pool = new LocalPool({ runtimes: (id) => RUNTIMES[id], logger: silentLogger(), limits });
    pools.push(pool);
    return pool;
  };
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((pool) => pool.close()));
    await stopInstances();
  });
  afterAll(removeFunctionDirs);

  it('kills a Popen child, a forked child and a double-forked setsid() daemon before the instance serves again', async () => {
    const instance = await startedInstance(PY_FILES, { timeoutMs: 10_000 }, { limits });
    const idleTree = processTree(instance.pid!);
    const invoked = instance.invoke(request({ action: 'spawn' }), 10_000);
    const outcome = await invoked;
    expect(outcome.status).toBe('succeeded');
    // Everything in the sandbox's pid namespace beyond init and the shim was left behind.
    expect((outcome.result as number[]).length).toBeGreaterThanOrEqual(5);
    // Retired (not reused) and gone, daemon included, by the time invoke resolved.
    expect(instance.state).toBe('dead');
    await instance.closed;
    expect(runningPids(idleTree)).toEqual([]);
  });

  it.each([
    ['python3', PY_FILES, 'main.handler'],
    ['node20', NODE_FILES, 'index.handler'],
  ])('the next %s invocation finds only its own init and shim', async (runtime, files, handler) => {
    const pool = makePool();
    const spec = functionSpec(writeFunction(files), { runtime, handler, timeoutMs: 10_000 });
    const fresh = await pool.invoke(spec, request({ action: 'procs' }));
    const spawned = await pool.invoke(spec, request({ action: 'spawn' }));
    expect(spawned.instanceId).toBe(fresh.instanceId);
    expect((spawned.result as number[]).length).toBeGreaterThan((fresh.result as number[]).length);
    const after = await pool.invoke(spec, request({ action: 'procs' }));
    expect(after).toMatchObject({ status: 'succeeded', result: fresh.result });
    expect(after.instanceId).not.toBe(spawned.instanceId);
    const warm = await pool.invoke(spec, request({ action: 'procs' }));
    expect(warm).toMatchObject({ result: fresh.result, instanceId: after.instanceId, coldStart: false });
  });

  it("a daemon hunting the shim's memory and environ never sees the next caller's event", async () => {
    const pool = makePool();
    const spec = functionSpec(writeFunction(PY_FILES), { timeoutMs: 10_000 });
    const fresh = await pool.invoke(spec, request({ action: 'procs' }));
    const spy = await pool.invoke(spec, request({ action: 'spy' }));
    expect(spy.status).toBe('succeeded');
    expect((spy.result as number[]).length).toBe((fresh.result as number[]).length + 1); // the spy runs as the invocation ends
    const victim = await pool.invoke(spec, request({ action: 'victim', secret: 'caller-B-1234' }));
    expect(victim.status).toBe('succeeded');
    const loot = await pool.invoke(spec, request({ action: 'loot' }));
    expect(loot).toMatchObject({ status: 'succeeded', result: null });
    expect(victim.instanceId).not.toBe(spy.instanceId);
    expect(pool.stats().instances.map((i) => i.instanceId)).toEqual([victim.instanceId]);
  });

  it.each([
    ['python3', PY_FILES, 'main.handler'],
    ['node20', NODE_FILES, 'index.handler'],
  ])("files %s caller A writes are gone for caller B on the same warm instance; the load-time files stay", async (runtime, files, handler) => {
    const pool = makePool();
    const spec = functionSpec(writeFunction(files), { runtime, handler });
    const before = await pool.invoke(spec, request({ action: 'look', paths: [] }));
    expect(before.result).toEqual({ present: [], tmp: ['init-cache.txt'] });
    const written = await pool.invoke(spec, request({ action: 'write' }));
    expect(written.status).toBe('succeeded');
    expect(written.result).toEqual(expect.arrayContaining(['/tmp/a-secret.txt', '/tmp/deep']));
    const seen = await pool.invoke(spec, request({ action: 'look', paths: written.result }));
    expect(seen).toMatchObject({ status: 'succeeded', result: { present: [], tmp: ['init-cache.txt'] }, instanceId: before.instanceId });
  });

  it('retires the instance when a file made at load time was changed, as it cannot be put back', async () => {
    const pool = makePool();
    const spec = functionSpec(writeFunction(PY_FILES));
    const touched = await pool.invoke(spec, request({ action: 'touch_cache' }));
    expect(touched.status).toBe('succeeded');
    const next = await pool.invoke(spec, request({ action: 'look', paths: [] }));
    expect(next).toMatchObject({ status: 'succeeded', result: { tmp: ['init-cache.txt'] }, coldStart: true });
    expect(next.instanceId).not.toBe(touched.instanceId);
  });

  it('keeps a function that leaves nothing behind on one warm instance', async () => {
    const pool = makePool();
    const spec = functionSpec(writeFunction(PY_FILES));
    const ids = new Set<string>();
    for (let i = 0; i < 20; i += 1) ids.add((await pool.invoke(spec, request({ action: 'procs' }))).instanceId);
    expect(ids.size).toBe(1);
  });
});
