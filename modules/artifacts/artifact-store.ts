import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { create as createTar, extract as extractTar } from 'tar';
import { startPeriodicSweep, type PeriodicSweep } from '../../common/periodic-sweep';
import { ConflictError, FunctionLoadError, InputError, LimitExceededError, NotFoundError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { ObjectNotFoundError, type ObjectStore } from '../objects';
import type { DependencyReport, RuntimeModule } from '../runtime/contract';
import { DEFAULT_ARCHIVE_LIMITS, extractArchive, formatBytes, type ArchiveLimits } from './archive';
import { decodeCodeSource, type CodeSource, type DecodedCode } from './code-source';
import { buildDirectory, publishDirectory, removeDirectory, tempDirBeside } from './directories';
import { CODE_HASH_PATTERN, hashDirectory } from './hash';
import { normaliseRelativePath, resolveInside } from './relative-path';
import { StagingRecord, type StagingState } from './staging-record';

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

const STAGING_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/**
 * Content-addressed function code. A version's built code (code and installed dependencies)
 * is stored in the object store as `artifacts/<codeHash>.tar.gz`: that is what "stored"
 * means. `<root>/<codeHash>` is this node's unpacked copy, made on first use (ensureLocal /
 * localise); it exists only complete: it appears by one rename and leaves by one rename.
 *
 * Building goes through a staging area in four steps, each callable on its own (the deploy
 * workflow runs them as activities, on whichever node polls) and safe to retry with the same
 * staging id: materialise → validate → install → commit; discard is the compensation. What
 * a step leaves for the next is in the object store (staging-record.ts), so no step needs
 * the disk of the node that ran the one before; `<root>/.staging/<stagingId>/code` is only
 * this node's working copy. Once the code's hash is stored, the later steps do nothing more.
 */
export class ArtifactStore {
  private readonly fetching = new Map<string, Promise<string>>();
  private readonly localised = new WeakMap<object, unknown>();

  constructor(
    readonly root: string,
    private readonly objects: ObjectStore,
    private readonly limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
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
   * Writes the code into the staging area, checks that the handler file is there, hashes it
   * and records it in the object store. `source` is checked here, typed or not (it comes
   * from a request). Throws InputError for a malformed source or an unsafe archive,
   * LimitExceededError past a size limit and FunctionLoadError when the handler file is not
   * in the code; the staging area is then removed.
   */
  async materialise(stagingId: string, source: CodeSource | Record<string, unknown>, handlerFile: string): Promise<StoredCode> {
    const record = this.record(stagingId);
    const known = await record.read();
    if (known) return this.stored(known.codeHash);
    try {
      const code = decodeCodeSource(source, handlerFile);
      const codeDir = this.workingDir(stagingId);
      await removeDirectory(codeDir); // a half-done earlier attempt
      await this.writeCode(code, codeDir);
      await checkHandlerFile(codeDir, handlerFile);
      const codeHash = await hashDirectory(codeDir);
      if (await this.isStored(codeHash)) await record.staged(codeHash);
      else await this.withArchiveOf(codeDir, (archive) => record.staged(codeHash, archive));
      return this.stored(codeHash);
    } catch (err) {
      // The request's error is the one to report; a leftover is swept by age.
      await this.discard(stagingId).catch(() => undefined);
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
    if (!(await this.isStored(codeHash))) {
      // Code built before the object store (a data dir from an earlier PyFaaS) is adopted into it.
      if (!this.has(codeHash)) throw new NotFoundError(`No stored code has the hash ${codeHash}.`);
      await this.withArchiveOf(this.codeDir(codeHash), (archive) => this.objects.putFile(archiveKey(codeHash), archive));
    }
    if (handlerFile !== undefined) await checkHandlerFile(await this.ensureLocal(codeHash), handlerFile);
    const record = this.record(stagingId);
    if (!(await record.read())) await record.staged(codeHash);
    return stored;
  }

  /** Checks every source file's syntax. Throws InputError listing `file:line: message`, the issues in `details.issues`. */
  async validate(stagingId: string, runtime: Pick<CodeBuilder, 'checkSyntax'>): Promise<void> {
    const state = await this.pendingState(stagingId);
    if (!state || state.validated) return;
    const issues = await runtime.checkSyntax(await this.workingCopy(stagingId));
    if (issues.length > 0) {
      const lines = issues.map((issue) => `${issue.file}${issue.line ? `:${issue.line}` : ''}: ${issue.message}`);
      throw new InputError(`The code has ${issues.length === 1 ? 'a syntax error' : `${issues.length} syntax errors`}:\n${lines.join('\n')}`, { issues });
    }
    await this.record(stagingId).validated();
  }

  /**
   * Installs the dependencies the code declares and stores the result in the staging record;
   * undefined when the code was already stored. This node keeps the built code unpacked, so
   * warming it here needs no download. Throws ConflictError before validation, else as the
   * runtime's installDependencies does.
   */
  async install(stagingId: string, runtime: Pick<CodeBuilder, 'installDependencies'>, depsCacheDir: string, logger: Logger): Promise<DependencyReport | undefined> {
    const state = await this.pendingState(stagingId);
    if (!state) return undefined;
    if (state.dependencies) return state.dependencies;
    if (!state.validated) throw new ConflictError(`Staging ${stagingId} cannot install dependencies before it is validated.`);
    const codeDir = await this.workingCopy(stagingId);
    const dependencies = await runtime.installDependencies(codeDir, depsCacheDir, logger);
    await this.withArchiveOf(codeDir, (archive) => this.record(stagingId).installed(archive, dependencies));
    await publishDirectory(codeDir, this.codeDir(state.codeHash));
    return dependencies;
  }

  /**
   * Stores the built code as the artifact (a copy inside the object store: nothing is
   * uploaded again). Throws ConflictError when the code was not validated and installed first.
   */
  async commit(stagingId: string): Promise<StoredCode> {
    const state = await this.record(stagingId).require();
    const stored = this.stored(state.codeHash);
    if (await this.isStored(state.codeHash)) return stored;
    if (!state.validated || !state.dependencies) throw new ConflictError(`Staging ${stagingId} cannot be committed before it is validated and its dependencies installed.`);
    await this.objects.copy(this.record(stagingId).builtKey, archiveKey(state.codeHash));
    return stored;
  }

  /** Removes a staging area here and in the object store (the compensation of materialise). Never touches committed code; absent is fine. */
  async discard(stagingId: string): Promise<void> {
    await removeDirectory(this.stagingDir(stagingId));
    await this.record(stagingId).remove();
  }

  /**
   * Removes staging areas untouched for `maxAgeMs`: abandoned builds, and working copies this
   * node kept of areas another node discarded. Both this node's and the object store's; returns their ids.
   */
  async sweepStaging(maxAgeMs: number): Promise<string[]> {
    const cutoff = Date.now() - maxAgeMs;
    const root = path.join(this.root, '.staging');
    const swept = new Set<string>();
    for (const name of existsSync(root) ? await readdir(root) : []) {
      const info = await stat(path.join(root, name)).catch(() => undefined);
      if (!info || info.mtimeMs >= cutoff) continue;
      await removeDirectory(path.join(root, name));
      swept.add(name);
    }
    const newest = new Map<string, number>();
    for (const object of await this.objects.list('staging/')) {
      const id = object.key.split('/')[1];
      newest.set(id, Math.max(newest.get(id) ?? 0, object.modifiedAt));
    }
    for (const [id, modifiedAt] of newest) {
      if (modifiedAt >= cutoff || !STAGING_ID.test(id)) continue;
      await this.record(id).remove();
      swept.add(id);
    }
    return [...swept].sort();
  }

  /** Whether this node has the code unpacked (the object store may hold it still: see isStored). */
  has(codeHash: string): boolean {
    return existsSync(this.codeDir(codeHash));
  }

  /** Whether the code is stored: in the object store, where every node can get it. */
  async isStored(codeHash: string): Promise<boolean> {
    return (await this.objects.head(archiveKey(codeHash))) !== undefined;
  }

  /** Removes stored code from the object store and this node (renamed aside, then deleted); absent is fine. Other nodes' copies stay until their disk is cleared. */
  async remove(codeHash: string): Promise<void> {
    await this.objects.delete(archiveKey(codeHash));
    await removeDirectory(this.codeDir(codeHash));
  }

  /**
   * `<root>/<codeHash>`, unpacked from the object store first when this node lacks it (one
   * download at a time per hash). Throws NotFoundError when neither has the code.
   */
  async ensureLocal(codeHash: string): Promise<string> {
    const codeDir = this.codeDir(codeHash);
    if (existsSync(codeDir)) return codeDir;
    let pending = this.fetching.get(codeHash);
    if (!pending) {
      pending = this.unpack(archiveKey(codeHash), codeDir, `No stored code has the hash ${codeHash}.`).finally(() => this.fetching.delete(codeHash));
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

  /** Where code with this hash is (or would be) unpacked on this node. Throws InputError for a malformed hash. */
  codeDir(codeHash: string): string {
    if (!CODE_HASH_PATTERN.test(codeHash)) throw new InputError(`"${codeHash}" is not a code hash (64 lowercase hex digits).`);
    return path.join(this.root, codeHash);
  }

  private record(stagingId: string): StagingRecord {
    this.stagingDir(stagingId); // checks the id
    return new StagingRecord(this.objects, stagingId);
  }

  /**
   * The state of a staging area still to be built, or undefined when its code is stored
   * already. Throws NotFoundError when it was never materialised or was discarded.
   */
  private async pendingState(stagingId: string): Promise<StagingState | undefined> {
    const state = await this.record(stagingId).require();
    return (await this.isStored(state.codeHash)) ? undefined : state;
  }

  /** This node's copy of the staged code, unpacked from the staging record when another node materialised it. */
  private async workingCopy(stagingId: string): Promise<string> {
    const codeDir = this.workingDir(stagingId);
    if (existsSync(codeDir)) return codeDir;
    return this.unpack(this.record(stagingId).sourceKey, codeDir, `The code staged as ${stagingId} is no longer stored.`);
  }

  /** Packs `dir` into a temporary tar.gz for `use`, removed afterwards. */
  private async withArchiveOf<T>(dir: string, use: (archive: string) => Promise<T>): Promise<T> {
    const archive = path.join(this.root, '.staging', `${randomUUID()}.tar.gz`);
    await mkdir(path.dirname(archive), { recursive: true });
    try {
      // portable: no uid/gid or local user names; links inside the code (node_modules/.bin) are kept.
      await createTar({ gzip: true, portable: true, file: archive, cwd: dir }, ['.']);
      return await use(archive);
    } finally {
      await rm(archive, { force: true });
    }
  }

  /** Downloads the tar.gz at `key` and unpacks it beside `target`, then publishes it by one rename. Throws NotFoundError(`missing`) when absent. */
  private async unpack(key: string, target: string, missing: string): Promise<string> {
    const archive = path.join(this.root, '.staging', `${randomUUID()}.download.tar.gz`);
    const dir = await tempDirBeside(target);
    try {
      await this.objects.download(key, archive);
      await extractTar({ file: archive, cwd: dir, strict: true });
      await publishDirectory(dir, target);
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err instanceof ObjectNotFoundError ? new NotFoundError(missing) : err;
    } finally {
      await rm(archive, { force: true });
    }
    return target;
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

  private workingDir(stagingId: string): string {
    return path.join(this.stagingDir(stagingId), 'code');
  }

  private stagingDir(stagingId: string): string {
    if (!STAGING_ID.test(stagingId)) throw new InputError(`"${stagingId}" is not a staging id: letters, digits, '_', '.' and '-', at most 128.`);
    return path.join(this.root, '.staging', stagingId);
  }
}

/** The object key of a version's built code (code and installed dependencies). */
export function archiveKey(codeHash: string): string {
  return `artifacts/${codeHash}.tar.gz`;
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

/** A staging area untouched this long is abandoned: far past a deploy's longest run (each step: 10 minutes, 3 attempts). */
export const STAGING_MAX_AGE_MS = 6 * 60 * 60_000;

/** Sweeps abandoned staging areas (this node's working copies and the object store's records) every 10 minutes. */
export function startStagingSweep(artifacts: Pick<ArtifactStore, 'sweepStaging'>, logger: Logger): PeriodicSweep<string[]> {
  return startPeriodicSweep({
    intervalMs: 10 * 60_000,
    logger,
    failure: 'the staging sweep failed; it runs again at the next interval',
    async sweep() {
      const swept = await artifacts.sweepStaging(STAGING_MAX_AGE_MS);
      if (swept.length > 0) logger.info({ swept: swept.length }, 'removed abandoned staging areas');
      return swept;
    },
  });
}
