/** Input and progress of the rollout workflow, shared by the workflow, its activities and the API. */

export interface AliasRouteSpec {
  version: number;
  weight: number;
}

export interface RolloutInput {
  functionName: string;
  alias: string;
  toVersion: number;
  /** Percentages of the alias's traffic for the new version, ascending, ending at 100. */
  steps: number[];
  /** How long each step runs before its health check. */
  stepPauseMs: number;
  /** Failed (or timed out) / ended invocations of the new version above this rolls back. */
  maxErrorRate: number;
  /** Fewer ended invocations than this in a step: not enough to judge, the step passes. */
  minInvocations: number;
}

export type RolloutStatus = 'running' | 'succeeded' | 'rolled_back' | 'failed';
export type RolloutStepStatus = 'pending' | 'running' | 'passed' | 'failed' | 'skipped';

export interface RolloutStep {
  weight: number;
  status: RolloutStepStatus;
  /** Invocations of the new version that started in this step and have ended, and of them failed or timed out. */
  invocations: number;
  failed: number;
  /** failed / invocations; null before the check or when nothing ended. */
  errorRate: number | null;
  note?: string;
  startedAt?: string;
}

export interface RolloutProgress {
  status: RolloutStatus;
  functionName: string;
  alias: string;
  /** The alias's heaviest version other than the new one when the rollout began. */
  fromVersion?: number;
  toVersion: number;
  /** The alias's routes when the rollout began: a roll back restores them. */
  originalRoutes?: AliasRouteSpec[];
  steps: RolloutStep[];
  /** Why it rolled back or failed. */
  reason?: string;
}

/** What a health check counts for one version between two instants (Temporal visibility). */
export interface VersionHealth {
  invocations: number;
  failed: number;
}
