import path from 'node:path';

/**
 * The normalised form of a path meant to stay inside a code root (`./a//b/../c` → `a/c`),
 * or undefined when it cannot: empty, absolute (`/x`, `C:\x`), holding a NUL byte, or
 * climbing out of the root with `..` once normalised. `.` (the root itself) comes back as `.`.
 */
export function normaliseRelativePath(name: string): string | undefined {
  if (name === '' || name.includes('\0')) return undefined;
  if (path.posix.isAbsolute(name) || /^[A-Za-z]:[\\/]/.test(name)) return undefined;
  const normalised = path.posix.normalize(name).replace(/\/+$/, '');
  if (normalised === '..' || normalised.startsWith('../')) return undefined;
  return normalised === '' ? '.' : normalised;
}

/** Joins a normalised relative path to a root, refusing (undefined) anything that lands outside it. */
export function resolveInside(root: string, relative: string): string | undefined {
  const resolved = path.resolve(root, relative);
  return resolved === root || resolved.startsWith(root + path.sep) ? resolved : undefined;
}
