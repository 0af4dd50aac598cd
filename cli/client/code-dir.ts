import fs from 'node:fs';
import path from 'node:path';
import { CliError, EXIT } from './exit-codes';
import type { ZipEntry } from './zip';

/** Never packaged: version control, local dependency trees (the platform installs them), caches. */
export const SKIPPED_NAMES = new Set(['.git', '.hg', '.svn', 'node_modules', '__pycache__', '.venv', 'venv', '.mypy_cache', '.pytest_cache', '.DS_Store']);
/** The archive limit the API enforces (10,000 entries); failing here saves the upload. */
const MAX_FILES = 10_000;

function refused(message: string): CliError {
  return new CliError('CODE_REFUSED', message, EXIT.refused);
}

/**
 * The files of a function's code directory, sorted by path, ready to zip. Skips SKIPPED_NAMES
 * and *.pyc. A symlink to a file inside the directory is packaged as that file; throws
 * CliError CODE_REFUSED for a symlink leaving the directory (it would ship a file from
 * outside), a symlink to a directory, a special file, or more than 10,000 files.
 */
export function collectCodeDir(root: string): ZipEntry[] {
  const realRoot = fs.realpathSync(root);
  const entries: ZipEntry[] = [];
  const walk = (dir: string, prefix: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      if (SKIPPED_NAMES.has(name) || name.endsWith('.pyc')) continue;
      const full = path.join(dir, name);
      const relative = prefix ? `${prefix}/${name}` : name;
      let stat = fs.lstatSync(full);
      if (stat.isSymbolicLink()) {
        const target = fs.realpathSync(full);
        if (target !== realRoot && !target.startsWith(`${realRoot}${path.sep}`)) {
          throw refused(`${relative} is a symlink to ${target}, outside ${root}; copy the file in or remove the link.`);
        }
        stat = fs.statSync(full);
        if (stat.isDirectory()) throw refused(`${relative} is a symlink to a directory; pyfaas deploy packages files only.`);
      }
      if (stat.isDirectory()) walk(full, relative);
      else if (stat.isFile()) entries.push({ path: relative, data: fs.readFileSync(full), executable: (stat.mode & 0o111) !== 0 });
      else throw refused(`${relative} is not a regular file (a socket, FIFO or device); remove it from ${root}.`);
      if (entries.length > MAX_FILES) throw refused(`${root} holds more than ${MAX_FILES} files; the API takes at most ${MAX_FILES}.`);
    }
  };
  walk(realRoot, '');
  return entries;
}
