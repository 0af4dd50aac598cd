import type { Client } from '@temporalio/client';
import type { Logger } from '../common/logger';
import { VersionNotReadyError, type AliasService } from '../modules/meta/aliases';
import type { FunctionService } from '../modules/meta/functions';
import { rolloutBase } from '../modules/meta/rollouts';
import type { ExecutionPool } from '../modules/worker/contract';
import type { AliasRouteSpec, VersionHealth } from '../contracts/rollout';
import { asActivity } from './failures';
import type { VersionSpecs } from './version-specs';
import { visibilityLiteral } from '../common/visibility-query';

export interface RolloutActivityDeps {
  client: Client;
  functions: FunctionService;
  aliases: AliasService;
  specs: VersionSpecs;
  pool: ExecutionPool;
  logger: Logger;
}

interface AliasTarget {
  functionName: string;
  alias: string;
}

/** The invocations of one version that started at or after `since`, in Temporal visibility. */
function invocationsQuery(functionName: string, version: number, since: string, statuses: string[]): string {
  return [
    `WorkflowType = 'invokeFunction'`,
    `PyFaaSFunction = ${visibilityLiteral(functionName)}`,
    `PyFaaSVersion = ${visibilityLiteral(String(version))}`,
    `StartTime >= ${visibilityLiteral(since)}`,
    `PyFaaSStatus IN (${statuses.map(visibilityLiteral).join(', ')})`,
  ].join(' AND ');
}

/** The steps of rolloutFunction, each safe to retry. */
export function createRolloutActivities(deps: RolloutActivityDeps) {
  return {
    /**
     * Checks the new version is ready and reads the alias: its routes now (a roll back
     * restores them) and the version traffic moves away from. Throws VersionNotReadyError,
     * AliasNotFoundError, ConflictError (nothing to roll out) as non-retryable failures.
     */
    async beginRollout({ functionName, alias, toVersion }: AliasTarget & { toVersion: number }): Promise<{ fromVersion: number; routes: AliasRouteSpec[] }> {
      return asActivity(async () => {
        const version = await deps.functions.getVersion(functionName, toVersion);
        if (version.status !== 'ready') throw new VersionNotReadyError(`Version ${toVersion} of ${JSON.stringify(functionName)} is ${version.status}, not ready.`);
        const record = await deps.aliases.get(functionName, alias);
        return { fromVersion: rolloutBase(record.routes, toVersion), routes: record.routes };
      });
    },

    /** Loads the new version in one instance on this node, so its first share of traffic starts warm. */
    async prewarmVersion({ functionName, version }: { functionName: string; version: number }): Promise<void> {
      await asActivity(async () => deps.pool.warm(await deps.specs.get(functionName, version)));
    },

    /**
     * Sets the alias's routes if they still are `expected`; returns when it happened (the
     * health check counts from then). Throws AliasChangedError when someone else changed it.
     */
    async shiftAlias({ functionName, alias, expected, routes }: AliasTarget & { expected: AliasRouteSpec[]; routes: AliasRouteSpec[] }): Promise<{ at: string }> {
      return asActivity(async () => {
        await deps.aliases.replaceIf(functionName, alias, expected, routes);
        deps.logger.info({ functionName, alias, routes }, 'alias shifted');
        return { at: new Date().toISOString() };
      });
    },

    /** Ended invocations of the version started since `since`, and how many of them failed or timed out. */
    async versionHealth({ functionName, version, since }: { functionName: string; version: number; since: string }): Promise<VersionHealth> {
      // Ended first, failed second, capped: an invocation that fails between the two counts is then
      // counted as failed, never as a success (counting the other way round read a version that
      // failed every call as 88 % failing under load). The health check errs towards rolling back.
      const ended = await deps.client.workflow.count(invocationsQuery(functionName, version, since, ['succeeded', 'failed', 'timed_out']));
      const failed = await deps.client.workflow.count(invocationsQuery(functionName, version, since, ['failed', 'timed_out']));
      return { invocations: ended.count, failed: Math.min(failed.count, ended.count) };
    },
  };
}

export type RolloutActivities = ReturnType<typeof createRolloutActivities>;
