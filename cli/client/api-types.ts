import type { z } from 'zod';
import type * as schemas from '../../api/schemas';

// The shapes the API answers, taken from its own schemas as types only: nothing of zod or the
// server loads at run time, and a field the API renames breaks the CLI's build, not its output.

export type FunctionView = z.infer<typeof schemas.functionViewSchema>;
export type VersionView = z.infer<typeof schemas.versionViewSchema>;
export type DeploymentView = z.infer<typeof schemas.deploymentViewSchema>;
export type Deployed = z.infer<typeof schemas.deployedSchema>;
export type InvocationView = z.infer<typeof schemas.invocationViewSchema>;
export type TriggerView = z.infer<typeof schemas.triggerViewSchema>;
export type TriggerCreated = z.infer<typeof schemas.triggerCreatedSchema>;
export type AliasView = z.infer<typeof schemas.aliasViewSchema>;
export type ModuleView = z.infer<typeof schemas.moduleViewSchema>;
export type HubModule = z.infer<typeof schemas.hubModuleSchema>;
export type Installation = z.infer<typeof schemas.installationSchema>;
export type TokenView = z.infer<typeof schemas.tokenViewSchema>;
export type TokenCreated = z.infer<typeof schemas.tokenCreatedSchema>;
export type PrincipalView = z.infer<typeof schemas.principalViewSchema>;
