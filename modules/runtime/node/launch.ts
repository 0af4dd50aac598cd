import path from 'node:path';
import { InputError } from '../../../common/errors';
import { PACKAGE_ROOT } from '../../../common/paths';
import { SANDBOX_CODE_DIR, SANDBOX_SHIM_DIR, type HandlerRef, type LaunchSpec } from '../contract';
import { nodePath } from '../interpreters';

/** Host directory holding shim.js, bound read-only at SANDBOX_SHIM_DIR (the source folder: tsc does not copy it). */
export const NODE_SHIM_DIR = path.join(PACKAGE_ROOT, 'modules', 'runtime', 'node');

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const PATH_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/**
 * `index.handler` → { file: 'index.js', module: '/var/task/index.js', exportName: 'handler' };
 * `src/app.handler` → src/app.js; `app.cjs.handler` → app.cjs. A file named without an
 * extension is taken as `.js`. Throws InputError for anything else: another extension
 * (.mjs, .ts), an absolute path, `..`, or an export that is not an identifier.
 */
export function parseNodeHandler(handler: string): HandlerRef {
  const invalid = () =>
    new InputError(
      `The Node.js handler "${handler}" is not of the form file.export (e.g. index.handler or src/app.handler): a relative .js or .cjs file without "..", then an exported function name.`,
    );
  const dot = handler.lastIndexOf('.');
  if (dot <= 0) throw invalid();
  const exportName = handler.slice(dot + 1);
  const named = handler.slice(0, dot);
  if (!IDENTIFIER.test(exportName)) throw invalid();
  const extension = /\.([^./]+)$/.exec(named)?.[1];
  if (extension !== undefined && extension !== 'js' && extension !== 'cjs') throw invalid();
  const file = extension === undefined ? `${named}.js` : named;
  const segments = file.split('/');
  if (!segments.every((segment) => PATH_SEGMENT.test(segment))) throw invalid();
  return { file, module: `${SANDBOX_CODE_DIR}/${file}`, exportName };
}

/** V8's heap gets ~75% of the memory limit, leaving room for buffers, code and the runtime itself. */
export function nodeHeapMb(memoryMb: number): number {
  return Math.max(16, Math.floor(memoryMb * 0.75));
}

export function nodeLaunch(handler: HandlerRef, limits: { memoryMb: number }): LaunchSpec {
  return {
    command: nodePath(),
    args: [`--max-old-space-size=${nodeHeapMb(limits.memoryMb)}`, `${SANDBOX_SHIM_DIR}/shim.js`, handler.module, handler.exportName],
    env: { NODE_PATH: `${SANDBOX_CODE_DIR}/node_modules` },
  };
}
