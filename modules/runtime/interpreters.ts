import { accessSync, constants, realpathSync } from 'node:fs';
import { SetupError } from '../../common/errors';

/**
 * The system CPython, by its fixed path rather than from PATH: PATH here may start with a
 * version manager's shim (pyenv), which costs ~100 ms per spawn and may not exist inside
 * the sandbox.
 */
const SYSTEM_PYTHON = '/usr/bin/python3';

const resolved = new Map<string, string>();

function resolveOnce(key: string, candidate: string, howToGet: string): string {
  const known = resolved.get(key);
  if (known) return known;
  let real: string;
  try {
    real = realpathSync(candidate);
    accessSync(real, constants.X_OK);
  } catch {
    throw new SetupError(`${key} was not found at ${candidate}: ${howToGet}.`);
  }
  resolved.set(key, real);
  return real;
}

/** Real path of the system python3 (e.g. /usr/bin/python3.11). Throws SetupError when missing. */
export function python3Path(): string {
  return resolveOnce('python3', SYSTEM_PYTHON, 'install Debian\'s python3 package (apt-get install python3)');
}

/** Real path of the Node.js running PyFaaS itself, so functions run on the same version. */
export function nodePath(): string {
  return resolveOnce('node', process.execPath, 'run PyFaaS with a Node.js installed on this machine');
}
