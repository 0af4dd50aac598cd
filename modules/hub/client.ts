import semver from 'semver';
import { InputError, LimitExceededError } from '../../common/errors';
import { HubUnavailableError, ModulePackageNotFoundError } from '../errors';
import type { HubModuleSummary, Packument, VersionManifest } from './types';

export interface HubClientOptions {
  /** The hub's base URL, e.g. http://127.0.0.1:4873. */
  url: string;
  /** The platform's read-only credential (or any PyFaaS token), sent as a bearer; a function is asked on every request. */
  token?: string | (() => string | undefined);
  /** How long one request may take before the hub counts as not answering. */
  timeoutMs?: number;
  /** Larger tarballs are refused (a module is code, not data). */
  maxTarballBytes?: number;
}

const PACKAGE_NAME = /^(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]{0,213}$/;
const SEARCH_LIMIT = 250;

/**
 * How the platform reads the Module Hub (Verdaccio's npm registry API): search, packuments,
 * version manifests and tarballs. Every method throws HubUnavailableError when the hub
 * does not answer (refused, timed out, 5xx, or it refuses the credential),
 * ModulePackageNotFoundError for a package or version it does not have, and InputError for
 * a name or version that is not one before anything is sent.
 */
export class HubClient {
  readonly url: string;
  private readonly timeoutMs: number;
  private readonly maxTarballBytes: number;

  constructor(private readonly options: HubClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxTarballBytes = options.maxTarballBytes ?? 50 * 1024 * 1024;
  }

  /** Resolves when the hub answers and, with a credential, accepts it (`GET /-/whoami`). */
  async health(): Promise<void> {
    const response = await this.get(this.token() ? '/-/whoami' : '/-/ping', 'its health check');
    await response.body?.cancel();
  }

  /**
   * Packages matching `q` (all, when empty) whose latest version carries a `pyfaas` manifest,
   * of `kind` when given. Verdaccio's search does not return the manifest, so each match's
   * packument is read (four at a time).
   */
  async search(q: string, options: { kind?: string; limit?: number } = {}): Promise<HubModuleSummary[]> {
    if (q.length > 200) throw new InputError('A hub search is at most 200 characters.');
    const size = Math.min(Math.max(options.limit ?? SEARCH_LIMIT, 1), SEARCH_LIMIT);
    const query = new URLSearchParams({ text: q, size: String(size) });
    const response = await this.get(`/-/v1/search?${query}`, 'a search');
    const body = (await this.json(response, 'a search')) as { objects?: Array<{ package?: { name?: unknown } }> };
    const names = (body.objects ?? []).map((hit) => hit.package?.name).filter((name): name is string => typeof name === 'string' && PACKAGE_NAME.test(name));
    const summaries: HubModuleSummary[] = [];
    for (let i = 0; i < names.length; i += 4) {
      const batch = await Promise.all(names.slice(i, i + 4).map((name) => this.summary(name)));
      for (const summary of batch) if (summary && (!options.kind || summary.kind === options.kind)) summaries.push(summary);
    }
    return summaries;
  }

  /** The package's full registry document: dist-tags, every version's manifest, times. */
  async packument(name: string): Promise<Packument> {
    checkName(name);
    const response = await this.get(`/${encodeName(name)}`, `package ${name}`, () => `The Module Hub has no package ${name}.`);
    const body = (await this.json(response, `package ${name}`)) as Packument;
    if (!body || typeof body !== 'object' || typeof body.versions !== 'object' || body.versions === null) {
      throw new HubUnavailableError(`The Module Hub at ${this.url} answered package ${name} with something that is not a packument.`);
    }
    return body;
  }

  /** One version's package.json as the registry recorded it at publish, with `dist.tarball` and `dist.integrity`. */
  async versionManifest(name: string, version: string): Promise<VersionManifest> {
    checkVersion(version);
    const manifest = (await this.packument(name)).versions[version];
    if (!manifest) throw new ModulePackageNotFoundError(`The Module Hub has no version ${version} of ${name}.`, { package: name, version });
    return manifest;
  }

  /**
   * The version's tarball bytes, read from this hub whatever host `dist.tarball` names (the
   * registry writes the host the publisher used). Throws LimitExceededError past the size cap.
   */
  async tarball(name: string, version: string): Promise<Buffer> {
    // A version the packument lacks is MODULE_PACKAGE_NOT_FOUND, worded like versionManifest's.
    await this.versionManifest(name, version);
    const file = `${name.replace(/^@[^/]+\//, '')}-${version}.tgz`;
    const response = await this.get(`/${encodeName(name)}/-/${file}`, `the tarball of ${name}@${version}`, () => `The Module Hub has no tarball for ${name}@${version}.`);
    const declared = Number(response.headers.get('content-length') ?? 0);
    if (declared > this.maxTarballBytes) {
      await response.body?.cancel();
      throw new LimitExceededError(`The tarball of ${name}@${version} is ${declared} bytes; modules are at most ${this.maxTarballBytes}.`);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    try {
      for await (const chunk of response.body ?? []) {
        total += chunk.length;
        if (total > this.maxTarballBytes) throw new LimitExceededError(`The tarball of ${name}@${version} is over ${this.maxTarballBytes} bytes, the most a module may be.`);
        chunks.push(Buffer.from(chunk));
      }
    } catch (err) {
      if (err instanceof LimitExceededError) throw err;
      throw this.unavailable(`the tarball of ${name}@${version}`, err);
    }
    return Buffer.concat(chunks);
  }

  /** The summary of a package whose latest version is a PyFaaS module; undefined otherwise. */
  private async summary(name: string): Promise<HubModuleSummary | undefined> {
    let packument: Packument;
    try {
      packument = await this.packument(name);
    } catch (err) {
      if (err instanceof ModulePackageNotFoundError) return undefined; // unpublished meanwhile
      throw err;
    }
    const latest = packument['dist-tags']?.latest;
    const manifest = latest ? packument.versions[latest] : undefined;
    const pyfaas = manifest?.pyfaas;
    if (!manifest || !pyfaas || typeof pyfaas !== 'object' || typeof pyfaas.kind !== 'string' || typeof pyfaas.id !== 'string') return undefined;
    return {
      package: name,
      version: manifest.version,
      kind: pyfaas.kind,
      id: pyfaas.id,
      platform: typeof pyfaas.platform === 'string' ? pyfaas.platform : undefined,
      description: typeof pyfaas.description === 'string' ? pyfaas.description : typeof manifest.description === 'string' ? manifest.description : '',
      versions: Object.keys(packument.versions).filter((v) => semver.valid(v)).sort(semver.compare),
      deprecated: typeof manifest.deprecated === 'string' ? manifest.deprecated : undefined,
      publishedAt: packument.time?.[manifest.version],
    };
  }

  /** GET with the credential; 404 → ModulePackageNotFoundError (when `notFound` words it), anything but 2xx → HubUnavailableError. */
  private async get(pathname: string, what: string, notFound?: () => string): Promise<Response> {
    let response: Response;
    try {
      const headers: Record<string, string> = { accept: 'application/json' };
      const token = this.token();
      if (token) headers.authorization = `Bearer ${token}`;
      response = await fetch(`${this.url}${pathname}`, { headers, signal: AbortSignal.timeout(this.timeoutMs), redirect: 'error' });
    } catch (err) {
      throw this.unavailable(what, err);
    }
    if (response.ok) return response;
    const detail = await errorText(response);
    if (response.status === 404 && notFound) throw new ModulePackageNotFoundError(notFound());
    if (response.status === 401 || response.status === 403) {
      throw new HubUnavailableError(`The Module Hub at ${this.url} refused the platform's credential for ${what} (${response.status}${detail}); set PYFAAS_HUB_TOKEN or check <dataDir>/hub/platform-token.`);
    }
    throw new HubUnavailableError(`The Module Hub at ${this.url} answered ${what} with ${response.status}${detail}.`);
  }

  private token(): string | undefined {
    const { token } = this.options;
    return typeof token === 'function' ? token() : token;
  }

  private async json(response: Response, what: string): Promise<unknown> {
    try {
      return await response.json();
    } catch (err) {
      throw new HubUnavailableError(`The Module Hub at ${this.url} answered ${what} with something that is not JSON (${(err as Error).message}).`);
    }
  }

  private unavailable(what: string, err: unknown): HubUnavailableError {
    const cause = err as Error & { cause?: { code?: string; message?: string } };
    const reason = cause.name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : (cause.cause?.code ?? cause.cause?.message ?? cause.message);
    return new HubUnavailableError(`The Module Hub at ${this.url} does not answer (${reason}) for ${what}; start it with \`npm start\` or set PYFAAS_HUB_URL.`);
  }
}

function checkName(name: string): void {
  if (typeof name !== 'string' || !PACKAGE_NAME.test(name)) throw new InputError(`${JSON.stringify(name)} is not an npm package name.`);
}

function checkVersion(version: string): void {
  if (typeof version !== 'string' || semver.valid(version) !== version) throw new InputError(`${JSON.stringify(version)} is not an exact semantic version (like 1.2.3).`);
}

/** `@scope/name` travels as `@scope%2fname`, as the npm CLI sends it. */
function encodeName(name: string): string {
  return name.replace('/', '%2f');
}

async function errorText(response: Response): Promise<string> {
  try {
    const text = (await response.text()).slice(0, 500);
    const parsed = JSON.parse(text) as { error?: unknown };
    return typeof parsed.error === 'string' ? `: ${parsed.error}` : '';
  } catch {
    return '';
  }
}
