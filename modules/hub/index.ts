export { HubClient, type HubClientOptions } from './client';
export { hubClientFor, hubPlatformToken, hubReadinessChecks, hubUrl } from './connect';
export type { HubModuleSummary, Packument, VersionManifest } from './types';
