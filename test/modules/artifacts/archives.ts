import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCommand, tail } from '../../../infra/command';

/** One entry of a test archive; `zeros` makes a file of that many zero bytes without holding it in memory. */
export interface FixtureEntry {
  name: string;
  type?: 'file' | 'dir' | 'symlink' | 'hardlink' | 'fifo' | 'chardev';
  content?: string;
  zeros?: number;
  /** Permission bits; 0o644 for files and 0o755 for folders when left out. */
  mode?: number;
  /** Link target. */
  target?: string;
}

export interface FixtureOptions {
  /** Zip only: rewrite the first entry's declared uncompressed size (both headers) to this. */
  declaredSize?: number;
}

/**
 * Python's zipfile and tarfile write whatever they are told (absolute names, `..`, links,
 * FIFOs, devices), which the JS archive writers refuse to do: that is what the tests need.
 */
const BUILD_SCRIPT = String.raw`
import io, json, stat, struct, sys, tarfile, zipfile
spec = json.load(open(sys.argv[1]))
out, entries = sys.argv[2], spec['entries']
class Zeros(io.RawIOBase):
    def readinto(self, buffer):
        buffer[:] = bytes(len(buffer)); return len(buffer)
def data(e):
    return e.get('content', '').encode()
if spec['format'] == 'zip':
    kinds = {'file': stat.S_IFREG, 'dir': stat.S_IFDIR, 'symlink': stat.S_IFLNK, 'fifo': stat.S_IFIFO, 'chardev': stat.S_IFCHR}
    with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as archive:
        for e in entries:
            kind = e.get('type', 'file')
            info = zipfile.ZipInfo(e['name'] + ('/' if kind == 'dir' and not e['name'].endswith('/') else ''))
            info.create_system, info.compress_type = 3, zipfile.ZIP_DEFLATED
            info.external_attr = (kinds[kind] | e.get('mode', 0o755 if kind == 'dir' else 0o644)) << 16
            if 'zeros' in e:
                with archive.open(info, 'w', force_zip64=True) as target:
                    left = e['zeros']
                    while left > 0:
                        target.write(bytes(min(left, 1 << 20))); left -= 1 << 20
            else:
                archive.writestr(info, e.get('target', '').encode() if kind == 'symlink' else data(e))
    if 'declaredSize' in spec:
        raw = bytearray(open(out, 'rb').read())
        struct.pack_into('<I', raw, 22, spec['declaredSize'])
        directory = struct.unpack_from('<I', raw, raw.rfind(b'PK\x05\x06') + 16)[0]
        struct.pack_into('<I', raw, directory + 24, spec['declaredSize'])
        open(out, 'wb').write(bytes(raw))
else:
    kinds = {'file': tarfile.REGTYPE, 'dir': tarfile.DIRTYPE, 'symlink': tarfile.SYMTYPE, 'hardlink': tarfile.LNKTYPE, 'fifo': tarfile.FIFOTYPE, 'chardev': tarfile.CHRTYPE}
    with tarfile.open(out, 'w:gz', format=tarfile.PAX_FORMAT) as archive:
        for e in entries:
            kind = e.get('type', 'file')
            info = tarfile.TarInfo(e['name'])
            info.type, info.mode = kinds[kind], e.get('mode', 0o755 if kind == 'dir' else 0o644)
            info.linkname = e.get('target', '')
            if 'zeros' in e:
                info.size = e['zeros']; archive.addfile(info, Zeros())
            elif kind == 'file':
                info.size = len(data(e)); archive.addfile(info, io.BytesIO(data(e)))
            else:
                archive.addfile(info)
`;

/** Builds a zip or tar.gz archive from `entries`, in their order. */
export async function buildArchive(format: 'zip' | 'tarGz', entries: FixtureEntry[], options: FixtureOptions = {}): Promise<Buffer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fixture-'));
  try {
    const spec = path.join(dir, 'spec.json');
    const out = path.join(dir, 'archive');
    writeFileSync(spec, JSON.stringify({ format, entries, ...options }));
    const result = await runCommand('/usr/bin/python3', ['-c', BUILD_SCRIPT, spec, out], { timeoutMs: 120_000 });
    if (result.code !== 0) throw new Error(`building the test archive failed:\n${tail(result.output, 20)}`);
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A fresh temporary directory for each test (or, with 'all', for the whole describe), removed after it. */
export function useScratchDir(prefix: string, per: 'each' | 'all' = 'each'): { dir: string } {
  const scratch = { dir: '' };
  (per === 'each' ? beforeEach : beforeAll)(() => {
    scratch.dir = mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  });
  (per === 'each' ? afterEach : afterAll)(() => rmSync(scratch.dir, { recursive: true, force: true }));
  return scratch;
}
