import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { SetupError } from '../../../common/errors';
import type { Logger } from '../../../common/logger';
import { runCommand, tail } from '../../../infra/command';
import { installThroughCache, runSandboxedInstaller } from '../../artifacts/deps-cache';
import { sha256 } from '../../artifacts/hash';
import type { DependencyReport, SyntaxIssue } from '../contract';
import { INSTALL_INPUT, INSTALL_TARGET } from '../install-sandbox';
import { python3Path } from '../interpreters';
import { parseRequirements, requirementsFile } from './requirements';

/** Where pip installs a function's dependencies inside its code root (on sys.path at run time). */
export const PYTHON_DEPS_DIR = '.deps';
const MANIFEST = 'requirements.txt';
const MAX_ISSUES = 50;
const ISSUES_MARK = 'PYFAAS-SYNTAX-ISSUES ';
/** pip's address-space limit (RLIMIT_AS): far above what it needs for resolving and unpacking wheels. */
const PIP_ADDRESS_SPACE_MB = 2048;

/**
 * Compiles (never runs) every .py file under argv[1] except installed dependencies and
 * prints the failures as one JSON line; warnings are silenced so that only that line matters.
 */
const CHECK_SCRIPT = `
import json, os, sys, warnings
warnings.simplefilter('ignore')
root, limit, issues = sys.argv[1], int(sys.argv[2]), []
for folder, subfolders, files in os.walk(root):
    subfolders[:] = sorted(d for d in subfolders if d not in ('${PYTHON_DEPS_DIR}', '__pycache__'))
    for name in sorted(f for f in files if f.endswith('.py')):
        relative = os.path.relpath(os.path.join(folder, name), root)
        try:
            with open(os.path.join(folder, name), 'rb') as source:
                compile(source.read(), relative, 'exec', dont_inherit=True)
        except SyntaxError as error:
            issues.append({'file': relative, 'line': error.lineno, 'message': error.msg})
        except (ValueError, UnicodeDecodeError) as error:
            issues.append({'file': relative, 'message': str(error)})
print('${ISSUES_MARK}' + json.dumps(issues[:limit]))
`;

/** Syntax problems of the code's Python files, by the system CPython's own compiler. Throws SetupError when Python cannot run. */
export async function checkPythonSyntax(codeDir: string): Promise<SyntaxIssue[]> {
  const result = await runCommand(python3Path(), ['-I', '-B', '-c', CHECK_SCRIPT, codeDir, String(MAX_ISSUES)], { timeoutMs: 60_000 });
  const line = result.output.split('\n').find((text) => text.startsWith(ISSUES_MARK));
  if (result.code !== 0 || line === undefined) throw new SetupError(`The Python syntax check could not run:\n${tail(result.output)}`);
  const issues = JSON.parse(line.slice(ISSUES_MARK.length)) as Array<{ file: string; line?: number | null; message: string }>;
  return issues.map(({ file, line: at, message }) => (at ? { file, line: at, message } : { file, message }));
}

/**
 * Installs requirements.txt with the system Python's pip into `<codeDir>/.deps`, through
 * the cache keyed by the parsed requirements and the interpreter. The file is parsed first
 * (requirements.ts: package requirements only, no options, paths or URLs) and pip reads a
 * file rebuilt from that, inside the install sandbox (install-sandbox.ts: uid 65534, only
 * the target writable, network only outward). Wheels only: building an sdist would run the
 * package's setup code. Throws InputError naming refused lines, or with pip's last lines
 * when pip fails; SetupError when the system Python has no pip, the sandbox cannot start or
 * pip times out. `allowUrls` is for a runtime policy that lets `name @ https://…` through.
 */
export async function installPythonDependencies(codeDir: string, cacheDir: string, logger: Logger, { allowUrls = false } = {}): Promise<DependencyReport> {
  const started = Date.now();
  const manifestPath = path.join(codeDir, MANIFEST);
  const requirements = existsSync(manifestPath) ? await readFile(manifestPath, 'utf8') : '';
  if (!declaresRequirements(requirements)) return { cached: false, durationMs: Date.now() - started };
  const clean = requirementsFile(await parseRequirements(requirements, { allowUrls }));
  const python = await probePython();
  return installThroughCache({
    codeDir,
    cacheDir,
    manifest: MANIFEST,
    key: sha256('python', python.tag, clean),
    from: '.',
    into: PYTHON_DEPS_DIR,
    logger,
    build: (dir) =>
      runSandboxedInstaller(`pip install -r ${MANIFEST}`, {
        command: python.path,
        args: [
          '-I', '-m', 'pip', 'install', '--isolated', '--disable-pip-version-check', '--no-input', '--no-cache-dir',
          '--progress-bar=off', '--only-binary=:all:', '--target', INSTALL_TARGET, '--requirement', `${INSTALL_INPUT}/${MANIFEST}`,
        ],
        targetDir: dir,
        inputs: { [MANIFEST]: clean },
        addressSpaceMb: PIP_ADDRESS_SPACE_MB,
        logger,
        onLine: (text) => logger.debug({ pip: text }),
      }),
  });
}

function declaresRequirements(requirements: string): boolean {
  return requirements.split('\n').some((line) => line.replace(/#.*/, '').trim() !== '');
}

interface PythonInfo {
  path: string;
  /** Interpreter identity for the cache key: implementation, version and machine. */
  tag: string;
}

let probed: Promise<PythonInfo> | undefined;

/** The system Python's identity, checking once that it has pip. Throws SetupError naming the package to install. */
function probePython(): Promise<PythonInfo> {
  probed ??= (async () => {
    const python = python3Path();
    const script = 'import importlib.util, platform, sys; print(sys.implementation.name, platform.python_version(), platform.machine(), importlib.util.find_spec("pip") is not None)';
    const result = await runCommand(python, ['-I', '-c', script], { timeoutMs: 30_000 });
    const [name, version, machine, hasPip] = result.output.trim().split(/\s+/);
    if (result.code !== 0 || !hasPip) throw new SetupError(`Could not ask ${python} for its version:\n${tail(result.output)}`);
    if (hasPip !== 'True') {
      throw new SetupError(`${python} has no pip, which installs Python functions' requirements.txt: install Debian's python3-pip (\`apt-get install -y python3-pip\`).`);
    }
    return { path: python, tag: `${name}-${version}-${machine}` };
  })();
  probed.catch(() => (probed = undefined));
  return probed;
}
