export * from './entities';
export { MetaStore, type MetaDialect } from './store';
export { FunctionService, FunctionNotFoundError, VersionNotFoundError } from './functions';
export { Deployer, DeploymentFailedError, type DeploymentView } from './deployer';
