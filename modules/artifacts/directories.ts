import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * Directory moves that other processes never see half-done: a directory is built under a
 * temporary name beside its final place (same filesystem) and appears there by one rename.
 */

/** A fresh empty directory beside `target` (named `<target>.tmp-XXXXXX`), parents created. */
export async function tempDirBeside(target: string): Promise<string> {
  await mkdir(path.dirname(target), { recursive: true });
  return mkdtemp(`${target}.tmp-`);
}

/**
 * Renames the finished `built` directory to `target`. When `target` already exists (another
 * build won the race) `built` is removed and false returned: the existing one stands.
 */
export async function publishDirectory(built: string, target: string): Promise<boolean> {
  try {
    await rename(built, target);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw err;
    await rm(built, { recursive: true, force: true });
    return false;
  }
}

/** Removes a directory so that it vanishes at once: renamed aside first, then deleted. Absent is fine. */
export async function removeDirectory(dir: string): Promise<void> {
  const aside = `${dir}.trash-${randomBytes(6).toString('hex')}`;
  try {
    await rename(dir, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  await rm(aside, { recursive: true, force: true });
}

/** Replaces `target` with a copy of `source` (modes, timestamps and relative symlinks kept). */
export async function copyDirectory(source: string, target: string): Promise<void> {
  await removeDirectory(target);
  await buildDirectory(target, (dir) => cp(source, dir, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true }));
}

/** Runs `build` in a temporary directory beside `target`, then publishes it; on error nothing is left. */
export async function buildDirectory(target: string, build: (dir: string) => Promise<void>): Promise<boolean> {
  const built = await tempDirBeside(target);
  try {
    await build(built);
  } catch (err) {
    await rm(built, { recursive: true, force: true });
    throw err;
  }
  return publishDirectory(built, target);
}
