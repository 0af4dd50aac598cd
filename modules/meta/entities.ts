import { EntitySchema } from '@mikro-orm/core';
import type { Destinations, RetrySettings } from '../../contracts/invocation';
import type { ExecutorSetting } from '../worker/adapter';
import { AliasSchema } from './aliases';
import { AuditEventSchema } from './audit-entity';
import { FunctionLogLineSchema } from './function-log-entity';
import { PolicySchema } from './policies';
import { RevisionSchema } from './revisions';
import { ScalingHistorySchema } from './scaling-history';
import { TokenSchema } from '../auth/tokens/entity';
import { InstalledModuleSchema, ModuleProcessSchema } from '../hub/entities';

/** What a version freezes: everything that decides how its code runs. */
export interface VersionConfig {
  runtime: string;
  handler: string;
  env: Record<string, string>;
  memoryMb: number;
  timeoutMs: number;
  allowNetwork: boolean;
  /** The worker adapter that runs its attempts; absent: the local sandbox pool. */
  executor?: ExecutorSetting;
}

/** A function as the administrator manages it; code lives in its versions. */
export interface FunctionRecord {
  id: string;
  name: string;
  runtime: string;
  handler: string;
  description: string;
  labels: Record<string, string>;
  env: Record<string, string>;
  memoryMb: number;
  timeoutMs: number;
  maxConcurrency: number;
  allowNetwork: boolean;
  retry: RetrySettings;
  /** Async invocations only. */
  destinations?: Destinations;
  /** The scaling module and its parameters (absent: the default KPA policy). */
  scaling?: { module: string; params: Record<string, unknown> };
  /** The worker adapter that runs its attempts (absent or null: the local sandbox pool); each version freezes it. */
  executor?: ExecutorSetting | null;
  /** `deleting` stops new invocations while running ones drain. */
  status: 'active' | 'deleting';
  /** The version number invocations use when none is named; absent until the first deploy activates. */
  activeVersion?: number;
  createdAt: Date;
  updatedAt: Date;
}

/** One immutable deployable version of a function: code hash plus the config it was made with. */
export interface FunctionVersionRecord {
  id: string;
  functionName: string;
  number: number;
  codeHash: string;
  /** Content-addressed directory holding the unpacked code and installed dependencies. */
  artifactPath?: string;
  status: 'pending' | 'deploying' | 'ready' | 'failed';
  /** Runtime, handler, env and limits as they were when the version was made. */
  config: VersionConfig;
  /** The deployment workflow that built this version. */
  deploymentId?: string;
  error?: string;
  createdAt: Date;
}

export const FunctionSchema = new EntitySchema<FunctionRecord>({
  name: 'FunctionRecord',
  tableName: 'functions',
  properties: {
    id: { type: 'string', primary: true, length: 36 },
    name: { type: 'string', unique: true, length: 63 },
    runtime: { type: 'string', length: 32 },
    handler: { type: 'string', length: 255 },
    description: { type: 'text', default: '' },
    labels: { type: 'json' },
    env: { type: 'json' },
    memoryMb: { type: 'integer' },
    timeoutMs: { type: 'integer' },
    maxConcurrency: { type: 'integer' },
    allowNetwork: { type: 'boolean', default: false },
    retry: { type: 'json' },
    destinations: { type: 'json', nullable: true },
    scaling: { type: 'json', nullable: true },
    executor: { type: 'json', nullable: true },
    status: { type: 'string', length: 16, default: 'active' },
    activeVersion: { type: 'integer', nullable: true },
    createdAt: { type: 'datetime', onCreate: () => new Date() },
    updatedAt: { type: 'datetime', onCreate: () => new Date(), onUpdate: () => new Date() },
  },
});

export const FunctionVersionSchema = new EntitySchema<FunctionVersionRecord>({
  name: 'FunctionVersionRecord',
  tableName: 'function_versions',
  uniques: [{ properties: ['functionName', 'number'] }],
  properties: {
    id: { type: 'string', primary: true, length: 36 },
    functionName: { type: 'string', length: 63, index: true },
    number: { type: 'integer' },
    codeHash: { type: 'string', length: 64 },
    artifactPath: { type: 'text', nullable: true },
    status: { type: 'string', length: 16 },
    config: { type: 'json' },
    deploymentId: { type: 'string', length: 200, nullable: true },
    error: { type: 'text', nullable: true },
    createdAt: { type: 'datetime', onCreate: () => new Date() },
  },
});

/** An event source bound to a function; `config` belongs to the kind's module (modules/trigger). */
export interface TriggerRecord {
  id: string;
  /** A DNS label, unique over all kinds: it appears in workflow ids and schedule ids. */
  name: string;
  kind: string;
  functionName: string;
  config: Record<string, unknown>;
  paused: boolean;
  description: string;
  /** SHA-256 (hex) of the API key callers must present, for kinds that ask for one. */
  apiKeyHash?: string;
  createdAt: Date;
  updatedAt: Date;
}

export const TriggerSchema = new EntitySchema<TriggerRecord>({
  name: 'TriggerRecord',
  tableName: 'triggers',
  properties: {
    id: { type: 'string', primary: true, length: 36 },
    name: { type: 'string', unique: true, length: 63 },
    kind: { type: 'string', length: 32, index: true },
    functionName: { type: 'string', length: 63, index: true },
    config: { type: 'json' },
    paused: { type: 'boolean', default: false },
    description: { type: 'text', default: '' },
    apiKeyHash: { type: 'string', length: 64, nullable: true },
    createdAt: { type: 'datetime', onCreate: () => new Date() },
    updatedAt: { type: 'datetime', onCreate: () => new Date(), onUpdate: () => new Date() },
  },
});

/** What a worker node reports in each heartbeat about one function version it holds. */
export interface NodeFunctionStats {
  functionName: string;
  version: number;
  /** Instances alive (idle or busy) and, of them, busy. */
  warm: number;
  busy: number;
  /** The warm instances the scaler asked this node to keep. */
  target: number;
  /** Since the node started. */
  invocations: number;
  coldStarts: number;
}

/** A worker process that runs functions; it announces itself and heartbeats every few seconds. */
export interface WorkerNodeRecord {
  nodeId: string;
  /** The node's own task queue: placement sends an invocation there to run it on this node. */
  taskQueue: string;
  /** Most warm instances it keeps at once. */
  capacity: number;
  functions: NodeFunctionStats[];
  startedAt: Date;
  lastHeartbeatAt: Date;
}

export const WorkerNodeSchema = new EntitySchema<WorkerNodeRecord>({
  name: 'WorkerNodeRecord',
  tableName: 'worker_nodes',
  properties: {
    nodeId: { type: 'string', primary: true, length: 63 },
    taskQueue: { type: 'string', length: 255 },
    capacity: { type: 'integer' },
    functions: { type: 'json' },
    startedAt: { type: 'datetime' },
    lastHeartbeatAt: { type: 'datetime', index: true },
  },
});

export const ALL_ENTITIES = [FunctionSchema, FunctionVersionSchema, TriggerSchema, WorkerNodeSchema, AliasSchema, TokenSchema, AuditEventSchema, PolicySchema, RevisionSchema, ScalingHistorySchema, InstalledModuleSchema, ModuleProcessSchema, FunctionLogLineSchema];
