import type { Logger } from '../../common/logger';

/** Where a handler lives inside the code root: `main.handler` → { file: 'main.py', exportName: 'handler' }. */
export interface HandlerRef {
  /** Path of the source file relative to the code root, e.g. `pkg/main.py` or `index.js`. */
  file: string;
  /** Python module path or Node module path as the shim imports it, e.g. `pkg.main` / `./index.js`. */
  module: string;
  exportName: string;
}

/** How to start a runtime's shim inside the sandbox. Paths are sandbox paths. */
export interface LaunchSpec {
  /** Absolute interpreter path on the host (bound read-only into the sandbox at the same path). */
  command: string;
  args: string[];
  /** Runtime-specific variables (PYTHONPATH, NODE_PATH…); the function's own env is added by the pool. */
  env: Record<string, string>;
}

export interface SyntaxIssue {
  /** Path relative to the code root. */
  file: string;
  line?: number;
  message: string;
}

export interface DependencyReport {
  /** The manifest found (`requirements.txt`, `package.json`) or undefined when the code declares none. */
  manifest?: string;
  /** True when the install was served from the cache (same lock hash seen before). */
  cached: boolean;
  durationMs: number;
}

/** Inside the sandbox the code is mounted read-only here, and the shims here. */
export const SANDBOX_CODE_DIR = '/var/task';
export const SANDBOX_SHIM_DIR = '/opt/pyfaas';

/** One language runtime (a module of kind `runtime`). */
export interface RuntimeModule {
  readonly id: string;
  /** File extension of handler files, e.g. `.py`. */
  readonly extension: string;
  /** Parses the handler string; throws InputError when it is malformed. */
  parseHandler(handler: string): HandlerRef;
  /** Host directory holding the runtime's shim files, bound read-only at SANDBOX_SHIM_DIR. */
  readonly shimDir: string;
  /** The command that starts the shim for this handler, code at SANDBOX_CODE_DIR. */
  launch(handler: HandlerRef, limits: { memoryMb: number }): LaunchSpec;
  /** Checks every source file's syntax with the runtime itself; an empty list means clean. */
  checkSyntax(codeDir: string): Promise<SyntaxIssue[]>;
  /**
   * Installs the dependencies the code declares into `codeDir` (pip into `codeDir/.deps`,
   * npm into `codeDir/node_modules`), reusing `cacheDir/<lock hash>` when seen before.
   * Throws InputError with the installer's last lines when installation fails.
   */
  installDependencies(codeDir: string, cacheDir: string, logger: Logger): Promise<DependencyReport>;
}
