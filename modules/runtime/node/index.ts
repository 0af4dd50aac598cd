import { defineModule } from '../../model';
import type { RuntimeModule } from '../contract';
import { checkNodeSyntax, installNodeDependencies } from './build';
import { nodeLaunch, parseNodeHandler, NODE_SHIM_DIR } from './launch';

/** `nodejs20`: the Node.js running PyFaaS, handlers as `file.export`, dependencies from package.json. */
export const nodejs20Runtime = defineModule<RuntimeModule>(
  { id: 'nodejs20', kind: 'runtime', version: '0.1.0', platform: '^0.1.0', description: 'Node.js 20 with a warm shim; npm package.json' },
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
