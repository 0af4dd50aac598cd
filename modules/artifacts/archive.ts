import { close, fchmod as fchmodCallback, open, write } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { InputError, LimitExceededError } from '../../common/errors';
import { readArchive, type ArchiveEntry, type ArchiveFormat, type EntrySink } from './archive-formats';
import { publishDirectory, tempDirBeside } from './directories';
import { normaliseRelativePath, resolveInside } from './relative-path';

export type { ArchiveFormat } from './archive-formats';

export interface ArchiveLimits {
  /** Size of the archive itself. */
  maxCompressedBytes: number;
  /** Bytes written for all files together, counted as they are written. */
  maxUncompressedBytes: number;
  /** Entries of any kind, folders included. */
  maxEntries: number;
}

const MiB = 1024 * 1024;
export const DEFAULT_ARCHIVE_LIMITS: Readonly<ArchiveLimits> = Object.freeze({
  maxCompressedBytes: 50 * MiB,
  maxUncompressedBytes: 250 * MiB,
  maxEntries: 10_000,
});

// fd calls, not FileHandles: closing a FileHandle took ~0.5 ms here, too slow for 10,000 entries.
const openFd = promisify(open);
const fchmod = promisify(fchmodCallback);
const writeFd = promisify(write);
const closeFd = promisify(close);

/**
 * Extracts a zip or tar.gz archive into `targetDir`, which must not exist yet. Only regular
 * files and folders are accepted: links of any kind (symbolic or hard) and special files are
 * refused, so nothing extracted can point outside the root. Files get mode 0755 when the
 * archive marks them executable, else 0644.
 *
 * Atomic: entries go to a temporary directory beside `targetDir`, renamed into place at the
 * end; on any error it is removed and nothing is left. Throws LimitExceededError when a limit
 * is passed (the uncompressed total is counted on the bytes written, not taken from headers)
 * and InputError, naming the entry, for an unsafe path, a link, a special file, a clash
 * between entries or a corrupt archive.
 */
export async function extractArchive(format: ArchiveFormat, bytes: Buffer, targetDir: string, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): Promise<void> {
  if (bytes.length > limits.maxCompressedBytes) {
    throw new LimitExceededError(`The archive is ${formatBytes(bytes.length)}; the limit is ${formatBytes(limits.maxCompressedBytes)}.`);
  }
  const staging = await tempDirBeside(targetDir);
  try {
    await readArchive(format, bytes, new EntryWriter(staging, limits));
    if (!(await publishDirectory(staging, targetDir))) throw new InputError(`Cannot extract into ${targetDir}: it already exists.`);
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
}

/** Writes entries under `root`, enforcing the policy and the limits as it goes. */
class EntryWriter implements EntrySink {
  private entries = 0;
  private written = 0;
  /** Folders known to exist, so that a file's parent is created once, not per file. */
  private readonly folders = new Set<string>();

  constructor(
    private readonly root: string,
    private readonly limits: ArchiveLimits,
  ) {}

  expectEntries(count: number): void {
    if (count > this.limits.maxEntries) throw this.tooManyEntries();
  }

  async write(entry: ArchiveEntry): Promise<void> {
    if (++this.entries > this.limits.maxEntries) throw this.tooManyEntries();
    const relative = normaliseRelativePath(entry.name);
    const target = relative === undefined ? undefined : resolveInside(this.root, relative);
    if (target === undefined) throw new InputError(`Archive entry ${entry.name} is an absolute path or leads outside the code root.`);
    if (entry.type === 'link') throw new InputError(`Archive entry ${entry.name} is a link; code archives may hold only regular files and folders.`);
    if (entry.type === 'special') throw new InputError(`Archive entry ${entry.name} is a device, FIFO or other special file; code archives may hold only regular files and folders.`);
    try {
      if (entry.type === 'directory') await this.makeFolder(target);
      else await this.writeFile(entry, target);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' || code === 'ENOTDIR' || code === 'EISDIR') {
        throw new InputError(`Archive entry ${entry.name} clashes with an earlier entry of the same path.`);
      }
      throw err;
    }
  }

  private async writeFile(entry: ArchiveEntry, target: string): Promise<void> {
    // Headers only allow an early refusal; the count below is what holds.
    this.checkTotal(this.written + entry.declaredSize, entry.name);
    await this.makeFolder(path.dirname(target));
    const mode = entry.mode & 0o111 ? 0o755 : 0o644;
    const fd = await openFd(target, 'wx', mode);
    try {
      await fchmod(fd, mode); // the umask may have narrowed it
      for await (const chunk of await entry.body()) {
        this.written += chunk.length;
        this.checkTotal(this.written, entry.name);
        for (let offset = 0; offset < chunk.length; ) offset += (await writeFd(fd, chunk, offset, chunk.length - offset)).bytesWritten;
      }
    } finally {
      await closeFd(fd);
    }
  }

  private async makeFolder(folder: string): Promise<void> {
    if (this.folders.has(folder)) return;
    await mkdir(folder, { recursive: true, mode: 0o755 });
    this.folders.add(folder);
  }

  private tooManyEntries(): LimitExceededError {
    return new LimitExceededError(`The archive has more than ${this.limits.maxEntries} entries; that is the limit.`);
  }

  private checkTotal(bytes: number, name: string): void {
    if (bytes > this.limits.maxUncompressedBytes) {
      throw new LimitExceededError(`The archive unpacks to more than ${formatBytes(this.limits.maxUncompressedBytes)} (reached at entry ${name}); that is the limit.`);
    }
  }
}

export function formatBytes(bytes: number): string {
  if (bytes >= MiB) return `${(bytes / MiB).toFixed(1).replace(/\.0$/, '')} MiB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KiB`;
  return `${bytes} bytes`;
}
