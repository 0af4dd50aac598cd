import { defineModule } from '../../model';
import type { RuntimeModule } from '../contract';
import { checkPythonSyntax, installPythonDependencies } from './build';
import { parsePythonHandler, pythonLaunch, PYTHON_SHIM_DIR } from './launch';

/** `python3`: the system CPython, handlers as `module.function`, dependencies from requirements.txt. */
export const python3Runtime = defineModule<RuntimeModule>(
  { id: 'python3', kind: 'runtime', version: '0.1.0', platform: '^0.1.0', description: 'System CPython 3 with a warm shim; pip requirements.txt' },
  () => ({
    id: 'python3',
    extension: '.py',
    shimDir: PYTHON_SHIM_DIR,
    parseHandler: parsePythonHandler,
    launch: pythonLaunch,
    checkSyntax: checkPythonSyntax,
    installDependencies: installPythonDependencies,
  }),
);
