import { defineBuiltinModule } from '../../package';
import type { RuntimeModule } from '../contract';
import { checkNodeSyntax, installNodeDependencies } from './build';
import { nodeLaunch, parseNodeHandler, NODE_SHIM_DIR } from './launch';
import declaration from './nodejs20.module.json';

/** `nodejs20`: the Node.js running PyFaaS, handlers as `file.export`, dependencies from package.json. */
export const nodejs20Runtime = defineBuiltinModule<RuntimeModule>(
  declaration,
  () => ({
    id: 'nodejs20',
    extension: '.js',
    shimDir: NODE_SHIM_DIR,
    parseHandler: parseNodeHandler,
    launch: nodeLaunch,
    checkSyntax: checkNodeSyntax,
    installDependencies: installNodeDependencies,
  }),
);
