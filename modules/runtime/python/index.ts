import { defineBuiltinModule } from '../../package';
import type { RuntimeModule } from '../contract';
import { checkPythonSyntax, installPythonDependencies } from './build';
import { parsePythonHandler, pythonLaunch, PYTHON_SHIM_DIR } from './launch';
import declaration from './python3.module.json';

/** `python3`: the system CPython, handlers as `module.function`, dependencies from requirements.txt. */
export const python3Runtime = defineBuiltinModule<RuntimeModule>(
  declaration,
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
