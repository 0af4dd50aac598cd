import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes every PyFaaS workflow carries, so the Temporal UI lists and
 * filters invocations by function, version, trigger, mode, status and caller. The dev server
 * registers them at start (infra/services/temporal-server.ts).
 */
export const FUNCTION_KEY = defineSearchAttributeKey('PyFaaSFunction', SearchAttributeType.KEYWORD);
export const VERSION_KEY = defineSearchAttributeKey('PyFaaSVersion', SearchAttributeType.KEYWORD);
export const TRIGGER_KEY = defineSearchAttributeKey('PyFaaSTrigger', SearchAttributeType.KEYWORD);
export const MODE_KEY = defineSearchAttributeKey('PyFaaSMode', SearchAttributeType.KEYWORD);
export const STATUS_KEY = defineSearchAttributeKey('PyFaaSStatus', SearchAttributeType.KEYWORD);
/** The principal that started an API invocation (`token:<id>`, `jwt:<iss>#<sub>`): an invoker lists only its own. */
export const CALLER_KEY = defineSearchAttributeKey('PyFaaSCaller', SearchAttributeType.KEYWORD);

export const ALL_SEARCH_ATTRIBUTE_KEYS = [FUNCTION_KEY, VERSION_KEY, TRIGGER_KEY, MODE_KEY, STATUS_KEY, CALLER_KEY];
