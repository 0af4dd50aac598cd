// @ts-check
/**
 * A PyFaaS runtime module (see modules/runtime/CONTRACT.md in PyFaaS) for functions written
 * in POSIX shell, in the style of AWS Lambda's bash custom runtime: the handler
 * `function.handler` is the shell function `handler` defined in `function.sh`. Each
 * invocation sources the file in a fresh /bin/sh with the event's JSON on stdin; what the
 * function prints on stdout is the result. The sandboxed side is shim/shim.py, run on the
 * host's python3 (the kit's `python3Path()`).
 */
const { execFile } = require('node:child_process');
const fs = require('node:fs/promises');
const path = require('node:path');
const { id } = require('./package.json').pyfaas;

/** @typedef {{ file: string, module: string, exportName: string }} HandlerRef */
/** @typedef {{ command: string, args: string[], env: Record<string, string> }} LaunchSpec */
/** @typedef {{ file: string, line?: number, message: string }} SyntaxIssue */
/**
 * @typedef {{
 *   errors: { InputError: new (message: string, details?: Record<string, unknown>) => Error },
 *   runtime: { SANDBOX_CODE_DIR: string, SANDBOX_SHIM_DIR: string, MAX_FRAME_BYTES: number, python3Path: () => string, codeFile: (file: string) => string },
 * }} Kit
 */

const SHELL = '/bin/sh';
/** A shell file name and a POSIX shell function name: letters, digits and _ (the file may also have -). */
const FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,99}$/;
const FUNCTION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;
/** `sh -n` only parses, but a huge or pathological file must not hold a deploy. */
const SYNTAX_TIMEOUT_MS = 10_000;
const MAX_ISSUES = 50;
const MAX_FILES = 1000;

/**
 * The `.sh` files under `dir`, relative, in a stable order. Symbolic links are skipped: the
 * check runs on the host, and a link in hostile code could point anywhere.
 * @param {string} dir
 * @param {string} [prefix]
 * @returns {Promise<string[]>}
 */
async function shellFiles(dir, prefix = '') {
  const found = [];
  const entries = (await fs.readdir(path.join(dir, prefix), { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) found.push(...(await shellFiles(dir, relative)));
    else if (entry.isFile() && entry.name.endsWith('.sh')) found.push(relative);
    if (found.length >= MAX_FILES) break;
  }
  return found.slice(0, MAX_FILES);
}

/**
 * What `sh -n` says about one file: undefined when it parses. dash prints
 * `./f.sh: 3: Syntax error: …`, bash `./f.sh: line 3: syntax error …`.
 * @param {string} codeDir
 * @param {string} file
 * @returns {Promise<SyntaxIssue | undefined>}
 */
function parseShellFile(codeDir, file) {
  return new Promise((resolve) => {
    const options = { cwd: codeDir, env: { PATH: '/usr/bin:/bin' }, timeout: SYNTAX_TIMEOUT_MS, killSignal: /** @type {const} */ ('SIGKILL'), maxBuffer: 64 * 1024 };
    execFile(SHELL, ['-n', `./${file}`], options, (error, _stdout, stderr) => {
      if (!error) return resolve(undefined);
      if (error.killed) return resolve({ file, message: `sh -n did not finish within ${SYNTAX_TIMEOUT_MS / 1000} s` });
      const text = String(stderr).trim().split('\n').filter(Boolean).pop() ?? `sh -n exited with ${String(error.code)}`;
      const match = /^\.\/.*?:\s*(?:line\s+)?(\d+):\s*(.*)$/.exec(text);
      resolve(match ? { file, line: Number(match[1]), message: match[2] } : { file, message: text });
    });
  });
}

module.exports = {
  /** @param {{ kit: Kit }} context */
  create({ kit }) {
    const { InputError } = kit.errors;
    const { SANDBOX_SHIM_DIR, MAX_FRAME_BYTES, python3Path, codeFile } = kit.runtime;

    /**
     * `function.handler` → { file: 'function.sh', module: 'function.sh', exportName: 'handler' }.
     * Throws InputError (400) for anything but `file.function` made of safe names.
     * @param {string} handler
     * @returns {HandlerRef}
     */
    function parseHandler(handler) {
      const parts = typeof handler === 'string' ? handler.split('.') : [];
      if (parts.length !== 2 || !FILE_NAME.test(parts[0]) || !FUNCTION_NAME.test(parts[1])) {
        throw new InputError(`The shell handler ${JSON.stringify(handler)} is not of the form file.function (e.g. function.handler: the shell function handler in function.sh), made of letters, digits and _.`);
      }
      const file = codeFile(`${parts[0]}.sh`);
      return { file, module: file, exportName: parts[1] };
    }

    return {
      id,
      extension: '.sh',
      shimDir: path.join(__dirname, 'shim'),
      parseHandler,
      /**
       * The shim on the host's python3: `-I` so the function's PYTHON* variables cannot steer
       * it, `-B` because the shim folder is read-only.
       * @param {HandlerRef} handler
       * @param {{ memoryMb: number }} _limits
       * @returns {LaunchSpec}
       */
      launch(handler, _limits) {
        return { command: python3Path(), args: ['-I', '-B', `${SANDBOX_SHIM_DIR}/shim.py`, handler.file, handler.exportName, String(MAX_FRAME_BYTES)], env: {} };
      },
      /**
       * Parses (never runs) every `.sh` file with `sh -n`, one at a time, each within 10 s.
       * @param {string} codeDir
       * @returns {Promise<SyntaxIssue[]>}
       */
      async checkSyntax(codeDir) {
        const issues = [];
        for (const file of await shellFiles(codeDir)) {
          const issue = await parseShellFile(codeDir, file);
          if (issue) issues.push(issue);
          if (issues.length >= MAX_ISSUES) break;
        }
        return issues;
      },
      /** A shell function declares no dependencies: what it runs comes with the system. */
      async installDependencies() {
        return { cached: false, durationMs: 0 };
      },
    };
  },
};
