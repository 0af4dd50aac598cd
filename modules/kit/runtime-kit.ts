/**
 * The part of the module kit a hub `runtime` module needs (`context.kit.runtime`): where the
 * sandbox puts the code and the shim, the largest frame the worker reads, the host
 * interpreters a shim may run on, and a check for the file a handler names. A runtime
 * published to the hub uses these instead of copying PyFaaS's values, so it keeps working
 * when they change. See modules/runtime/CONTRACT.md.
 */
import { InputError } from '../../common/errors';
import { normaliseRelativePath } from '../artifacts/relative-path';
import { SANDBOX_CODE_DIR, SANDBOX_SHIM_DIR } from '../runtime/contract';
import { nodePath, python3Path } from '../runtime/interpreters';
import { MAX_FRAME_BYTES } from '../runtime/protocol';

/** A handler file path longer than this is refused: no real code tree needs more. */
const MAX_CODE_FILE_CHARS = 512;

/**
 * The normalised path, relative to the code root, of the source file a handler names
 * (`./lib//main.sh` → `lib/main.sh`). A handler string comes from whoever deploys the
 * function, so it is hostile: throws InputError (400, INVALID_INPUT) for an empty path, an
 * absolute one, one holding a NUL or a backslash, one that climbs out of the code root with
 * `..`, the root itself, or one over 512 characters.
 */
export function codeFile(handlerFile: string): string {
  const refuse = (why: string) => new InputError(`The handler file ${JSON.stringify(handlerFile)} ${why}.`);
  if (typeof handlerFile !== 'string') throw new InputError('A handler file must be a string.');
  if (handlerFile.length > MAX_CODE_FILE_CHARS) throw refuse(`is longer than ${MAX_CODE_FILE_CHARS} characters`);
  if (handlerFile.includes('\\')) throw refuse('holds a backslash; use / between folders');
  const normalised = normaliseRelativePath(handlerFile);
  if (normalised === undefined || normalised === '.') throw refuse('is not a path inside the function\'s code (empty, absolute, with a NUL, or climbing out with ..)');
  return normalised;
}

export const runtimeKit = Object.freeze({
  /** Where the function's code is mounted, read-only, inside the sandbox (the shim's working directory). */
  SANDBOX_CODE_DIR,
  /** Where the runtime's `shimDir` is mounted, read-only, inside the sandbox. */
  SANDBOX_SHIM_DIR,
  /** Largest frame the worker reads or writes (4-byte length + JSON, modules/runtime/protocol.ts): a shim's answer must fit. */
  MAX_FRAME_BYTES,
  /** Real path of the system python3 (no version-manager shim). Throws SetupError when it is missing. */
  python3Path,
  /** Real path of the Node.js running PyFaaS. */
  nodePath,
  codeFile,
});

export type RuntimeKit = typeof runtimeKit;
