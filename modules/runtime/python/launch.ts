import path from 'node:path';
import { InputError } from '../../../common/errors';
import { PACKAGE_ROOT } from '../../../common/paths';
import { SANDBOX_CODE_DIR, SANDBOX_SHIM_DIR, type HandlerRef, type LaunchSpec } from '../contract';
import { python3Path } from '../interpreters';

/**
 * Host directory holding shim.py, bound read-only at SANDBOX_SHIM_DIR. It is the source
 * folder (tsc does not copy .py files), found from the package root so it is the same
 * from sources and from `dist/`.
 */
export const PYTHON_SHIM_DIR = path.join(PACKAGE_ROOT, 'modules', 'runtime', 'python');

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `main.handler` → { file: 'main.py', module: 'main', exportName: 'handler' };
 * `pkg.sub.fn` → { file: 'pkg/sub.py', module: 'pkg.sub', exportName: 'fn' }.
 * Throws InputError when the string is not `module.function` made of Python identifiers.
 */
export function parsePythonHandler(handler: string): HandlerRef {
  const parts = handler.split('.');
  if (parts.length < 2 || !parts.every((part) => IDENTIFIER.test(part))) {
    throw new InputError(
      `The Python handler "${handler}" is not of the form module.function (e.g. main.handler or pkg.module.handler) made of Python identifiers.`,
    );
  }
  const exportName = parts.pop()!;
  return { file: `${parts.join('/')}.py`, module: parts.join('.'), exportName };
}

/** Starts shim.py on the system python3; `-B` because the code is read-only, so no .pyc writes. */
export function pythonLaunch(handler: HandlerRef, _limits: { memoryMb: number }): LaunchSpec {
  return {
    command: python3Path(),
    args: ['-B', `${SANDBOX_SHIM_DIR}/shim.py`, handler.module, handler.exportName],
    env: {
      PYTHONPATH: `${SANDBOX_CODE_DIR}/.deps:${SANDBOX_CODE_DIR}`,
      PYTHONDONTWRITEBYTECODE: '1',
      PYTHONUNBUFFERED: '1',
    },
  };
}
