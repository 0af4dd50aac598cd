export { PolicyViolationError, PolicyLimitReachedError, RuntimeDisabledError, type ViolationDetails } from './errors';
export { FUNCTION_POLICY, functionPolicy, functionPolicySchema, withFunctionDefaults, checkFunctionLimits, type FunctionPolicy } from './function';
export { scalingPolicy, scalingPolicySchema, checkScalingAllowed, withScalingDefault, type ScalingPolicyDocument } from './scaling';
export { runtimePolicy, runtimePolicySchema, checkRuntimeEnabled, type RuntimePolicy } from './runtime';
export { TRIGGER_POLICY, triggerPolicySchema, checkTriggerKindAllowed, checkTriggerCount, type TriggerPolicy } from './trigger';
export { OBSERVABILITY_POLICY, observabilityPolicySchema, logLevelApplier, functionObservability, LOG_LEVELS, CAPTURE_LEVELS, type ObservabilityPolicy } from './observability';
