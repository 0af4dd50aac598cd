import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { create as createTar, extract as extractTar } from 'tar';
import { ConflictError, FunctionLoadError, InputError, LimitExceededError, NotFoundError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import type { DependencyReport, RuntimeModule } from '../runtime/contract';
import { DEFAULT_ARCHIVE_LIMITS, extractArchive, formatBytes, type ArchiveLimits } from './archive';
import { decodeCodeSource, type CodeSource, type DecodedCode } from './code-source';
import { buildDirectory, publishDirectory, removeDirectory, tempDirBeside } from './directories';
import type { ObjectStore } from '../objects';
import { CODE_HASH_PATTERN, hashDirectory } from './hash';
import { normaliseRelativePath, resolveInside } from './relative-path';

/** What the store needs of a runtime module. */
export type CodeBuilder = Pick<RuntimeModule, 'checkSyntax' | 'installDependencies'>;

export interface StoredCode {
  codeHash: string;
  /** `<root>/<codeHash>`: the code with its dependencies installed, complete and never changed again. */
  codeDir: string;
}

export interface PrepareOptions {
  handlerFile: string;
  runtime: CodeBuilder;
  depsCacheDir: string;
  logger: Logger;
}

/** What a staging area has been through; kept beside its code as `state.json`. */
interface StagingState {
  codeHash: string;
  validated?: boolean;
  dependencies?: DependencyReport;
  committed?: boolean;
}

const STAGING_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/**
 * Content-addressed function code under `root`: `<root>/<codeHash>` holds validated code
 * with its dependencies installed. Such a directory exists only complete: it appears by one
 * rename and leaves by one rename.
 *
 * Building goes through a staging area `<root>/.staging/<stagingId>` in four steps, each
 * callable on its own (the deploy workflow runs them as activities) and safe to retry with
 * the same staging id: materialise → validate → install → commit; discard is the
 * compensation. Once the code's hash is stored, the later steps do nothing more.
 *
 * With an object store, commit also stores the built directory as `artifacts/<codeHash>.tar.gz`
 * there, and `<root>` becomes this node's cache of unpacked code: a node that lacks a
 * version's code unpacks it from the object store on first use (ensureLocal / localise).
 * Staging areas stay on the node that materialised them (see README "Object storage").
 */
export class ArtifactStore {
  private readonly fetching = new Map<string, Promise<string>>();
  private readonly localised = new WeakMap<object, unknown>();

  constructor(
    readonly root: string,
    private readonly limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
    private readonly objects?: ObjectStore,
  ) {}

  /** Runs all four steps under a fresh staging id, which is discarded at the end whatever happens. */
  async prepare(source: CodeSource | Record<string, unknown>, options: PrepareOptions): Promise<StoredCode> {
    const stagingId = randomUUID();
    try {
      await this.materialise(stagingId, source, options.handlerFile);
      await this.validate(stagingId, options.runtime);
      await this.install(stagingId, options.runtime, options.depsCacheDir, options.logger);
      return await this.commit(stagingId);
    } finally {
      await this.discard(stagingId);
    }
  }

  /**
   * Writes the code into the staging area, checks that the handler file is there and hashes
   * it. `source` is checked here, typed or not (it comes from a request). Throws InputError
   * for a malformed source or an unsafe archive, LimitExceededError past a size limit and
   * FunctionLoadError when the handler file is not in the code; the staging area is then removed.
   */
  async materialise(stagingId: string, source: CodeSource | Record<string, unknown>, handlerFile: string): Promise<StoredCode> {
    const known = await this.readState(stagingId);
    if (known) return this.stored(known.codeHash);
    const staging = this.stagingDir(stagingId);
    try {
      const code = decodeCodeSource(source, handlerFile);
      const codeDir = path.join(staging, 'code');
      await removeDirectory(codeDir); // a half-done earlier attempt
      await this.writeCode(code, codeDir);
      await checkHandlerFile(codeDir, handlerFile);
      const codeHash = await hashDirectory(codeDir);
      await this.writeState(stagingId, { codeHash });
      return this.stored(codeHash);
    } catch (err) {
      await removeDirectory(staging);
      throw err;
    }
  }

  /**
   * Opens a staging area over code already stored, for a rebuild with new settings: the later
   * steps find their work done. Throws NotFoundError when no code has this hash, and
   * FunctionLoadError when `handlerFile` is given and is not in the code.
   */
  async stageStored(stagingId: string, codeHash: string, handlerFile?: string): Promise<StoredCode> {
    const stored = this.stored(codeHash);
    await this.ensureLocal(codeHash);
    if (handlerFile !== undefined) await checkHandlerFile(stored.codeDir, handlerFile);
    if (!(await this.readState(stagingId))) await this.writeState(stagingId, { codeHash });
    return stored;
  }

  /** Checks every source file's syntax. Throws InputError listing `file:line: message`, the issues in `details.issues`. */
  async validate(stagingId: string, runtime: Pick<CodeBuilder, 'checkSyntax'>): Promise<void> {
    const state = await this.pendingState(stagingId);
    if (!state || state.validated) return;
    const issues = await runtime.checkSyntax(path.join(this.stagingDir(stagingId), 'code'));
    if (issues.length > 0) {
      const lines = issues.map((issue) => `${issue.file}${issue.line ? `:${issue.line}` : ''}: ${issue.message}`);
      throw new InputError(`The code has ${issues.length === 1 ? 'a syntax error' : `${issues.length} syntax errors`}:\n${lines.join('\n')}`, { issues });
    }
    await this.writeState(stagingId, { ...state, validated: true });
  }

  /** Installs the dependencies the code declares; undefined when the code was already stored. Throws as the runtime's installDependencies does. */
  async install(stagingId: string, runtime: Pick<CodeBuilder, 'installDependencies'>, depsCacheDir: string, logger: Logger): Promise<DependencyReport | undefined> {
    const state = await this.pendingState(stagingId);
    if (!state) return undefined;
    if (state.dependencies) return state.dependencies;
    const dependencies = await runtime.installDependencies(path.join(this.stagingDir(stagingId), 'code'), depsCacheDir, logger);
    await this.writeState(stagingId, { ...state, dependencies });
    return dependencies;
  }

  /**
   * Moves the staged code to `<root>/<codeHash>`; when that exists already the staged copy
   * is dropped. Leaves only the small state record behind (discard removes it). Throws
   * ConflictError when the code was not validated and installed first.
   */
  async commit(stagingId: string): Promise<StoredCode> {
    const state = await this.requireState(stagingId);
    const stored = this.stored(state.codeHash);
    if (state.committed) return stored;
    const codeDir = path.join(this.stagingDir(stagingId), 'code');
    if (!this.has(state.codeHash) && !(await this.inObjectStore(state.codeHash))) {
      if (!state.validated || !state.dependencies) throw new ConflictError(`Staging ${stagingId} cannot be committed before it is validated and its dependencies installed.`);
      await publishDirectory(codeDir, stored.codeDir);
    }
    if (this.has(state.codeHash)) await this.upload(state.codeHash);
    await removeDirectory(codeDir);
    await this.writeState(stagingId, { ...state, committed: true });
    return stored;
  }

  /** Removes a staging area (the compensation of materialise). Never touches committed code; absent is fine. */
  async discard(stagingId: string): Promise<void> {
    await removeDirectory(this.stagingDir(stagingId));
  }

  /** Removes staging areas untouched for `maxAgeMs`: abandoned builds and committed records. */
  async sweepStaging(maxAgeMs: number): Promise<string[]> {
    const root = path.join(this.root, '.staging');
    const names = existsSync(root) ? await readdir(root) : [];
    const swept: string[] = [];
    for (const name of names) {
      const info = await stat(path.join(root, name)).catch(() => undefined);
      if (!info || Date.now() - info.mtimeMs < maxAgeMs) continue;
      await removeDirectory(path.join(root, name));
      swept.push(name);
    }
    return swept;
  }

  /** Whether this node has the code unpacked (the object store may hold it still: see isStored). */
  has(codeHash: string): boolean {
    return existsSync(this.codeDir(codeHash));
  }

  /** Whether the code is stored anywhere a node can get it from: here, or the object store. */
  async isStored(codeHash: string): Promise<boolean> {
    return this.has(codeHash) || (await this.inObjectStore(codeHash));
  }

  /** Removes stored code at once (renamed aside, then deleted) here and from the object store; absent is fine. */
  async remove(codeHash: string): Promise<void> {
    await removeDirectory(this.codeDir(codeHash));
    await this.objects?.delete(archiveKey(codeHash));
  }

  /**
   * `<root>/<codeHash>`, unpacked from the object store first when this node lacks it (one
   * download at a time per hash). Throws NotFoundError when neither has the code.
   */
  async ensureLocal(codeHash: string): Promise<string> {
    const codeDir = this.codeDir(codeHash);
    if (existsSync(codeDir)) return codeDir;
    if (!this.objects) throw new NotFoundError(`No stored code has the hash ${codeHash}.`);
    let pending = this.fetching.get(codeHash);
    if (!pending) {
      pending = this.unpack(codeHash).finally(() => this.fetching.delete(codeHash));
      this.fetching.set(codeHash, pending);
    }
    return pending;
  }

  /**
   * The spec with `codeDir` pointing at this node's copy of the code (a version's recorded
   * path is where the deploying node put it). Remembered per spec object, so the warm path
   * neither touches the disk nor the object store. Throws NotFoundError as ensureLocal.
   */
  async localise<T extends { codeDir: string }>(spec: T): Promise<T> {
    const known = this.localised.get(spec) as T | undefined;
    if (known) return known;
    const codeHash = path.basename(spec.codeDir);
    if (!CODE_HASH_PATTERN.test(codeHash)) return spec; // not content-addressed: left as it is
    const localised = { ...spec, codeDir: await this.ensureLocal(codeHash) };
    this.localised.set(spec, localised);
    return localised;
  }

  /** Where code with this hash is (or would be) stored. Throws InputError for a malformed hash. */
  codeDir(codeHash: string): string {
    if (!CODE_HASH_PATTERN.test(codeHash)) throw new InputError(`"${codeHash}" is not a code hash (64 lowercase hex digits).`);
    return path.join(this.root, codeHash);
  }

  private async inObjectStore(codeHash: string): Promise<boolean> {
    return this.objects ? (await this.objects.head(archiveKey(codeHash))) !== undefined : false;
  }

  /** Packs `<root>/<codeHash>` (dependencies included) into the object store unless it is there. */
  private async upload(codeHash: string): Promise<void> {
    if (!this.objects || (await this.inObjectStore(codeHash))) return;
    const file = path.join(this.root, '.staging', `${codeHash}.${randomUUID()}.tar.gz`);
    await mkdir(path.dirname(file), { recursive: true });
    try {
      // portable: no uid/gid or local user names; links inside the code (node_modules/.bin) are kept.
      await createTar({ gzip: true, portable: true, file, cwd: this.codeDir(codeHash) }, ['.']);
      const { size } = await stat(file);
      const sha256 = await sha256Of(file);
      await this.objects.put(archiveKey(codeHash), createReadStream(file), { size, sha256 });
    } finally {
      await rm(file, { force: true });
    }
  }

  /** Downloads and unpacks the archive beside its place, then publishes it by one rename. */
  private async unpack(codeHash: string): Promise<string> {
    const codeDir = this.codeDir(codeHash);
    const objects = this.objects!;
    if (!(await objects.head(archiveKey(codeHash)))) throw new NotFoundError(`No stored code has the hash ${codeHash}.`);
    const file = path.join(this.root, '.staging', `${codeHash}.${randomUUID()}.download.tar.gz`);
    const dir = await tempDirBeside(codeDir);
    try {
      await objects.download(archiveKey(codeHash), file);
      await extractTar({ file, cwd: dir, strict: true });
      await publishDirectory(dir, codeDir);
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    } finally {
      await rm(file, { force: true });
    }
    return codeDir;
  }

  private stored(codeHash: string): StoredCode {
    return { codeHash, codeDir: this.codeDir(codeHash) };
  }

  private async writeCode(code: DecodedCode, codeDir: string): Promise<void> {
    if (code.kind !== 'inline') return extractArchive(code.kind, code.bytes, codeDir, this.limits);
    if (code.content.length > this.limits.maxUncompressedBytes) {
      throw new LimitExceededError(`The inline code is ${formatBytes(code.content.length)}; the limit is ${formatBytes(this.limits.maxUncompressedBytes)}.`);
    }
    await buildDirectory(codeDir, async (dir) => {
      const file = path.join(dir, code.filename);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, code.content, { mode: 0o644 });
    });
  }

  private stagingDir(stagingId: string): string {
    if (!STAGING_ID.test(stagingId)) throw new InputError(`"${stagingId}" is not a staging id: letters, digits, '_', '.' and '-', at most 128.`);
    return path.join(this.root, '.staging', stagingId);
  }

  private async readState(stagingId: string): Promise<StagingState | undefined> {
    const file = path.join(this.stagingDir(stagingId), 'state.json');
    return existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as StagingState) : undefined;
  }

  /** Throws NotFoundError when the staging area was never materialised or was discarded. */
  private async requireState(stagingId: string): Promise<StagingState> {
    const state = await this.readState(stagingId);
    if (!state) throw new NotFoundError(`Staging ${stagingId} does not exist: materialise the code first (or it was discarded).`);
    return state;
  }

  /**
   * The state of a staging area still to be built, or undefined when its code is stored
   * already. Throws NotFoundError when it was staged over stored code since removed.
   */
  private async pendingState(stagingId: string): Promise<StagingState | undefined> {
    const state = await this.requireState(stagingId);
    if (state.committed || (await this.isStored(state.codeHash))) return undefined;
    if (!existsSync(path.join(this.stagingDir(stagingId), 'code'))) throw new NotFoundError(`The code staged as ${stagingId} is no longer stored.`);
    return state;
  }

  /** Written beside, then renamed over: a reader sees the old state or the new, never half. */
  private async writeState(stagingId: string, state: StagingState): Promise<void> {
    const file = path.join(this.stagingDir(stagingId), 'state.json');
    const partial = `${file}.${randomUUID()}.tmp`;
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(partial, JSON.stringify(state));
    await rename(partial, file);
  }
}

/** The object key of a version's built code (code and installed dependencies). */
export function archiveKey(codeHash: string): string {
  return `artifacts/${codeHash}.tar.gz`;
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Throws FunctionLoadError when `handlerFile` is not a regular file of the code. */
async function checkHandlerFile(codeDir: string, handlerFile: string): Promise<void> {
  const relative = normaliseRelativePath(handlerFile);
  const file = relative === undefined ? undefined : resolveInside(codeDir, relative);
  const info = file === undefined ? undefined : await stat(file).catch(() => undefined);
  if (info?.isFile()) return;
  const top = await readdir(codeDir, { withFileTypes: true });
  const onlyFolder = top.length === 1 && top[0].isDirectory() ? top[0].name : undefined;
  const hint = onlyFolder && existsSync(path.join(codeDir, onlyFolder, handlerFile)) ? ` (it is under ${onlyFolder}/: archive that folder's contents, not the folder)` : '';
  throw new FunctionLoadError(`handler file ${handlerFile} is not in the code${hint}.`);
}
