import { createGunzip } from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import yauzl from 'yauzl';
import { InputError, isPyFaaSError } from '../../common/errors';

/** One entry of an archive, whatever its format, as the extractor judges it. */
export interface ArchiveEntry {
  /** The name as stored in the archive, before any normalisation. */
  name: string;
  type: 'file' | 'directory' | 'link' | 'special';
  /** Unix permission bits when the archive records them, else 0. */
  mode: number;
  /** The size the header declares; the extractor counts the real bytes. */
  declaredSize: number;
  /** The entry's bytes; read at most once. A broken stream throws InputError naming the entry. */
  body(): Promise<AsyncIterable<Buffer>>;
}

export type ArchiveFormat = 'zip' | 'tarGz';

/** Receives the entries of an archive, one at a time. */
export interface EntrySink {
  /** Told the entry count up front when the format records it (zip); throws to refuse the archive. */
  expectEntries(count: number): void;
  write(entry: ArchiveEntry): Promise<void>;
}

const FORMAT_NAMES: Record<ArchiveFormat, string> = { zip: 'zip', tarGz: 'tar.gz' };

/**
 * Hands each entry to `sink` in order, awaiting each. Throws InputError when the archive is
 * corrupt or uses what the reader does not support; errors from the sink pass through.
 */
export function readArchive(format: ArchiveFormat, bytes: Buffer, sink: EntrySink): Promise<void> {
  const read = format === 'zip' ? readZip(bytes, sink) : readTarGz(bytes, sink);
  return read.catch((err: unknown) => {
    throw isPyFaaSError(err) ? err : corrupt(format, err);
  });
}

function corrupt(format: ArchiveFormat, err: unknown, entryName?: string): InputError {
  const at = entryName === undefined ? '' : ` at entry ${entryName}`;
  const reason = err instanceof Error ? err.message : String(err);
  return new InputError(`The ${FORMAT_NAMES[format]} archive is corrupt or unsupported${at}: ${reason}.`);
}

async function* guarded(body: AsyncIterable<Buffer>, format: ArchiveFormat, name: string): AsyncIterable<Buffer> {
  try {
    yield* body;
  } catch (err) {
    throw corrupt(format, err, name);
  }
}

const S_IFMT = 0o170000;
/** Zip entries made on Unix keep `st_mode` in the high half of their external attributes. */
const UNIX_TYPES: Record<number, ArchiveEntry['type']> = { 0o100000: 'file', 0o040000: 'directory', 0o120000: 'link' };

/**
 * Names are decoded here rather than by yauzl, whose own check would reject unsafe ones as a
 * bare error; the extractor judges them like tar names. yauzl still checks that each entry
 * inflates to exactly the size its header declares.
 */
async function readZip(bytes: Buffer, sink: EntrySink): Promise<void> {
  const zip = await yauzl.fromBufferPromise(bytes, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true });
  try {
    sink.expectEntries(zip.entryCount);
    for await (const entry of zip.eachEntry()) await sink.write(zipEntry(zip, entry));
  } finally {
    zip.close();
  }
}

function zipEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): ArchiveEntry {
  const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false);
  if (entry.isEncrypted()) throw new InputError(`Zip entry ${name} is encrypted; upload an unencrypted archive.`);
  const unixMode = entry.versionMadeBy >> 8 === 3 ? entry.externalFileAttributes >>> 16 : 0;
  const typeBits = unixMode & S_IFMT;
  return {
    name,
    type: name.endsWith('/') ? 'directory' : typeBits === 0 ? 'file' : (UNIX_TYPES[typeBits] ?? 'special'),
    mode: unixMode & 0o7777,
    declaredSize: entry.uncompressedSize,
    body: async () => guarded(await zip.openReadStreamPromise(entry), 'zip', name),
  };
}

const TAR_TYPES: Partial<Record<ReadEntry['type'], ArchiveEntry['type']>> = {
  File: 'file',
  OldFile: 'file',
  ContiguousFile: 'file',
  Directory: 'directory',
  GNUDumpDir: 'directory',
  SymbolicLink: 'link',
  Link: 'link',
};

/**
 * Node's gunzip feeds the tar parser, which emits the next entry only once the current one
 * is read, so a highly compressed entry is inflated no faster than the sink writes it.
 */
function readTarGz(bytes: Buffer, sink: EntrySink): Promise<void> {
  return new Promise((resolve, reject) => {
    let failure: unknown;
    const writes: Promise<void>[] = [];
    const gunzip = createGunzip();
    const fail = (err: unknown) => {
      if (failure !== undefined) return;
      failure = err;
      gunzip.destroy();
      reject(err);
    };
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry: ReadEntry) => {
        if (failure !== undefined) return entry.resume();
        // The parser moves on once an entry has ended, which one left unread (a folder) does only when resumed.
        writes.push(sink.write(tarEntry(entry)).then(() => entry.resume()).catch(fail));
      },
    });
    gunzip.on('error', (err) => fail(corrupt('tarGz', err)));
    parser.on('error', (err: Error) => fail(corrupt('tarGz', err)));
    parser.on('end', () => {
      void Promise.all(writes).then(() => {
        if (failure === undefined) resolve();
      });
    });
    gunzip.pipe(parser as unknown as NodeJS.WritableStream);
    gunzip.end(bytes);
  });
}

function tarEntry(entry: ReadEntry): ArchiveEntry {
  return {
    name: entry.path,
    type: TAR_TYPES[entry.type] ?? 'special',
    mode: (entry.mode ?? 0) & 0o7777,
    declaredSize: entry.size,
    body: async () => guarded(entry, 'tarGz', entry.path),
  };
}
