import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes every PyFaaS workflow carries, so the Temporal UI lists and
 * filters invocations by function, version, trigger, mode and status. The dev server
 * registers them at start (infra/services/temporal-server.ts).
 */
export const FUNCTION_KEY = defineSearchAttributeKey('PyFaaSFunction', SearchAttributeType.KEYWORD);
export const VERSION_KEY = defineSearchAttributeKey('PyFaaSVersion', SearchAttributeType.KEYWORD);
export const TRIGGER_KEY = defineSearchAttributeKey('PyFaaSTrigger', SearchAttributeType.KEYWORD);
export const MODE_KEY = defineSearchAttributeKey('PyFaaSMode', SearchAttributeType.KEYWORD);
export const STATUS_KEY = defineSearchAttributeKey('PyFaaSStatus', SearchAttributeType.KEYWORD);

export const ALL_SEARCH_ATTRIBUTE_KEYS = [FUNCTION_KEY, VERSION_KEY, TRIGGER_KEY, MODE_KEY, STATUS_KEY];
