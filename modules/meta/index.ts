export * from './entities';
export { MetaStore, type MetaDialect } from './store';
export { FunctionService, FunctionNotFoundError, VersionNotFoundError } from './functions';
export { Deployer, DeploymentFailedError, type DeploymentView } from './deployer';
export { NodeService, NODE_TTL_MS } from './nodes';
export { AliasService, AliasNotFoundError, AliasChangedError, VersionNotReadyError, type AliasRecord, type AliasRoute } from './aliases';
export { Rollouts, RolloutNotFoundError, RolloutInProgressError, type RolloutView } from './rollouts';
