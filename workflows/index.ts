// The workflow bundle's entry: every workflow type the worker registers.
export { pingWorker, type PingResult } from './ping-worker';
export { invokeFunction } from './invoke-function';
export { deployFunction, deploymentProgressQuery } from './deploy-function';
export { deleteFunction } from './delete-function';
export { scaleFunctions, forgetFunctionSignal, scalerShardQuery, scalerStatusQuery, setScalingPolicySignal, wakeScalerSignal } from './scale-functions';
export { rolloutFunction, rolloutProgressQuery } from './rollout-function';
export { installModule, installProgressQuery } from './install-module';
