import type { Logger } from '../../common/logger';
import type { LabelLookup } from '../../modules/auth/authorize';
import type { AuthPolicy } from '../../modules/auth/policy';
import type { TokenService } from '../../modules/auth/tokens';
import type { AliasService } from '../../modules/meta/aliases';
import type { AuditService } from '../../modules/meta/audit';
import type { Deployer } from '../../modules/meta/deployer';
import type { FunctionService } from '../../modules/meta/functions';
import type { NodeService } from '../../modules/meta/nodes';
import type { PolicyService } from '../../modules/meta/policies';
import type { Rollouts } from '../../modules/meta/rollouts';
import type { Scalers } from '../../modules/scaling/scalers';
import type { ModuleService } from '../../modules/hub/service';
import type { ProcessMetrics } from '../../modules/observability';
import type { Invoker } from '../../modules/task/invoker';
import type { BridgeStatus } from '../../modules/trigger/kafka';
import type { TriggerService } from '../../modules/trigger/service';
import type { Readiness } from '../../process/readiness';
import type { RouteSpec } from '../route';
import { aliasRoutes } from './aliases';
import { auditRoutes } from './audit';
import { consoleRoutes, type ConsoleSettings } from './console';
import { functionRoutes } from './functions';
import { functionLogRoutes, type FunctionLogRoutesDeps } from './function-logs';
import { healthRoutes } from './health';
import { httpTriggerRoutes } from './http-triggers';
import { invocationRoutes } from './invocations';
import { lambdaRoutes } from './lambda';
import { metricsRoutes } from './metrics';
import { nodeRoutes } from './nodes';
import { moduleRoutes, type HubSearch } from './modules';
import { policyRoutes } from './policies';
import { tokenRoutes } from './tokens';
import { triggerRoutes } from './triggers';
import { webhookRoutes } from './webhooks';

export interface ApiRoutesDeps {
  readiness: Readiness;
  functions: FunctionService;
  deployer: Deployer;
  scalers: Scalers;
  invoker: Invoker;
  aliases: AliasService;
  rollouts: Rollouts;
  triggers: TriggerService;
  bridgeStatus?: () => BridgeStatus;
  nodes: NodeService;
  tokens: TokenService;
  /** The auth policy in force on this process (token defaults). */
  authPolicy: () => AuthPolicy;
  audit: AuditService;
  policies: PolicyService;
  labelsOf: LabelLookup;
  modules: ModuleService;
  hub: HubSearch;
  logger: Logger;
  bodyLimitBytes: number;
  /** This process's metrics, served at GET /metrics (absent: no such route). */
  metrics?: ProcessMetrics;
  /** The function log and this process's followers (GET /v1/functions/{name}/logs). */
  functionLogs?: FunctionLogRoutesDeps['functionLogs'];
  /** The web console at / (absent: not served). */
  console?: ConsoleSettings;
}

/** The route table: every route the API answers, each declared once with its permission. */
export function apiRoutes(deps: ApiRoutesDeps): RouteSpec[] {
  return [
    ...healthRoutes(deps.readiness),
    ...metricsRoutes(deps.metrics),
    ...functionRoutes(deps),
    ...invocationRoutes(deps),
    ...functionLogRoutes(deps),
    ...aliasRoutes(deps),
    ...triggerRoutes(deps),
    ...nodeRoutes(deps),
    ...tokenRoutes(deps),
    ...policyRoutes(deps),
    ...moduleRoutes(deps),
    ...auditRoutes(deps),
    ...httpTriggerRoutes(deps),
    ...webhookRoutes(deps),
    ...lambdaRoutes(deps),
    ...consoleRoutes(deps),
  ];
}
