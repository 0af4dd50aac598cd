import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { NotFoundError, UnavailableError } from '../../common/errors';

/** The console was not bundled (`npm run build` writes dist/console/). */
export class ConsoleNotBuiltError extends UnavailableError {
  override readonly code: string = 'CONSOLE_NOT_BUILT';
}

/**
 * What the console's pages may load: only this origin's own scripts and styles, no inline
 * script, no eval, API calls to this origin only, never framed. uPlot and preact set styles
 * through the CSSOM (element.style), which `style-src 'self'` does not block.
 */
export const CONSOLE_CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'",
  "connect-src 'self'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join('; ');

export interface ConsoleAsset {
  body: Buffer;
  contentType: string;
  /** index.html is revalidated every time; the bundles are named by their content hash, so they never change. */
  cacheControl: string;
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.map': 'application/json' };
const ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * dist/console/ from either place this file runs: compiled (dist/api/routes → dist/console)
 * or from source under ts-jest (api/routes → dist/console).
 */
export function defaultConsoleDir(): string {
  const root = path.resolve(__dirname, '..', '..');
  return path.basename(root) === 'dist' ? path.join(root, 'console') : path.join(root, 'dist', 'console');
}

/**
 * The bundled console, read from its directory once and then served from memory. Only names
 * the directory listed are served (no path is ever joined from the request).
 */
export class ConsoleAssets {
  private files?: Map<string, ConsoleAsset>;

  constructor(private readonly dir: string) {}

  /** Throws ConsoleNotBuiltError when the bundle is missing, NotFoundError for any other name. */
  get(name: string): ConsoleAsset {
    const files = this.load();
    const asset = ASSET_NAME.test(name) ? files.get(name) : undefined;
    if (!asset) throw new NotFoundError(`No console file ${JSON.stringify(name.slice(0, 128))}.`);
    return asset;
  }

  private load(): Map<string, ConsoleAsset> {
    if (this.files) return this.files;
    if (!existsSync(path.join(this.dir, 'index.html'))) {
      throw new ConsoleNotBuiltError(`The web console is not built (${this.dir}/index.html is missing): run \`npm run build\`.`);
    }
    const files = new Map<string, ConsoleAsset>();
    for (const name of readdirSync(this.dir)) {
      const contentType = TYPES[path.extname(name)];
      if (!contentType || !ASSET_NAME.test(name)) continue;
      const cacheControl = name === 'index.html' ? 'no-cache' : 'public, max-age=31536000, immutable';
      files.set(name, { body: readFileSync(path.join(this.dir, name)), contentType, cacheControl });
    }
    this.files = files;
    return files;
  }
}
