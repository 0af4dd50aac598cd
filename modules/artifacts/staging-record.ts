import { NotFoundError } from '../../common/errors';
import type { ObjectStore } from '../objects';
import type { DependencyReport } from '../runtime/contract';

/** What a staging area has been through, as every node sees it. */
export interface StagingState {
  codeHash: string;
  validated: boolean;
  /** Set once the code with its dependencies is packed as `staging/<id>/built.tar.gz`. */
  dependencies?: DependencyReport;
}

/**
 * The shared record of one staging area, in the object store under `staging/<stagingId>/`,
 * so that each deploy step may run on another node than the one before (the API node
 * materialises, any worker validates, installs and commits). Every key is written once and
 * never changed, as the per-node read cache requires; a step's marker is written after the
 * bytes it vouches for:
 *
 * - `code.tar.gz` then `staged.json` ({codeHash}): materialise (`code.tar.gz` absent when the code was stored already);
 * - `validated.json`: validate;
 * - `built.tar.gz` (code and dependencies) then `installed.json` ({dependencies}): install.
 */
export class StagingRecord {
  constructor(
    private readonly objects: ObjectStore,
    readonly stagingId: string,
  ) {}

  /** undefined when the area was never staged or was discarded. */
  async read(): Promise<StagingState | undefined> {
    const staged = await this.json<{ codeHash: string }>('staged.json');
    if (!staged) return undefined;
    const [validated, installed] = await Promise.all([this.objects.head(this.key('validated.json')), this.json<{ dependencies: DependencyReport }>('installed.json')]);
    return { codeHash: staged.codeHash, validated: validated !== undefined, dependencies: installed?.dependencies };
  }

  /** Throws NotFoundError when the area was never staged or was discarded. */
  async require(): Promise<StagingState> {
    const state = await this.read();
    if (!state) throw new NotFoundError(`Staging ${this.stagingId} does not exist: materialise the code first (or it was discarded).`);
    return state;
  }

  async staged(codeHash: string, sourceArchive?: string): Promise<void> {
    if (sourceArchive) await this.objects.putFile(this.sourceKey, sourceArchive);
    await this.putJson('staged.json', { codeHash });
  }

  async validated(): Promise<void> {
    await this.putJson('validated.json', {});
  }

  async installed(builtArchive: string, dependencies: DependencyReport): Promise<void> {
    await this.objects.putFile(this.builtKey, builtArchive);
    await this.putJson('installed.json', { dependencies });
  }

  /** The materialised code, without dependencies. */
  get sourceKey(): string {
    return this.key('code.tar.gz');
  }

  /** The code with its dependencies installed: what commit stores as the artifact. */
  get builtKey(): string {
    return this.key('built.tar.gz');
  }

  /** Removes every object of the area; absent is fine. */
  async remove(): Promise<void> {
    for (const object of await this.objects.list(this.key(''))) await this.objects.delete(object.key);
  }

  private key(name: string): string {
    return `staging/${this.stagingId}/${name}`;
  }

  private async putJson(name: string, value: unknown): Promise<void> {
    await this.objects.put(this.key(name), Buffer.from(JSON.stringify(value)));
  }

  private async json<T>(name: string): Promise<T | undefined> {
    try {
      return JSON.parse((await this.objects.get(this.key(name))).toString('utf8')) as T;
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }
}
