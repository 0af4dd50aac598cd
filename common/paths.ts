import { existsSync } from 'node:fs';
import path from 'node:path';

function findPackageRoot(from: string): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`No package.json above ${from}`);
    dir = parent;
  }
  return dir;
}

/** The PyFaaS checkout (or installed package): the same from sources and from `dist/`. */
export const PACKAGE_ROOT = findPackageRoot(__dirname);
