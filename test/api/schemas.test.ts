import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import type { z } from 'zod';
import { errorHandler } from '../../api/middleware/errors';
import { aliasView } from '../../api/routes/aliases';
import { functionView, versionView } from '../../api/routes/functions';
import * as schemas from '../../api/schemas';
import {
  aliasListSchema, aliasViewSchema, apiKeySchema, auditPageSchema, deployedSchema, deploymentViewSchema, errorBodySchema,
  functionCreatedSchema, functionPageSchema, functionViewSchema, healthSchema, invocationCancelledSchema, invocationPageSchema,
  invocationViewSchema, nodeListSchema, policyListSchema, policyViewSchema, principalViewSchema, queuedInvocationSchema,
  readinessSchema, rolloutStartedSchema, rolloutViewSchema, scalingViewSchema, tokenCreatedSchema, tokenListSchema,
  tokenViewSchema, triggerCreatedSchema, triggerDetailSchema, triggerListSchema, triggerViewSchema, versionListSchema,
  versionViewSchema,
} from '../../api/schemas';
import { ConflictError, InputError } from '../../common/errors';
import { silentLogger } from '../../common/logger';
import { tokenView, type TokenRecord } from '../../modules/auth/tokens';
import type { AliasRecord } from '../../modules/meta/aliases';
import type { AuditPage } from '../../modules/meta/audit';
import type { PolicyView } from '../../modules/meta/policies';
import type { DeploymentView } from '../../modules/meta/deployer';
import type { FunctionRecord, FunctionVersionRecord, WorkerNodeRecord } from '../../modules/meta/entities';
import type { RolloutView } from '../../modules/meta/rollouts';
import type { InvocationPage, InvocationView } from '../../modules/task/invocation-view';
import type { Trigger } from '../../modules/trigger/contract';
import type { BridgeStatus } from '../../modules/trigger/kafka';
import type { ScheduleRunInfo } from '../../modules/trigger/schedule';
import { Readiness } from '../../process/readiness';
import type { ScalerStatus } from '../../contracts/scaling';

/** What the client receives: the body as JSON (Dates become ISO strings, undefined fields vanish). */
const wire = <T>(value: T): unknown => JSON.parse(JSON.stringify(value));

/**
 * Parses the wire form and checks nothing was stripped: every field the API sends is in the
 * schema (zod drops unknown keys, so a field the schema forgot would make them differ).
 */
function expectDescribes(schema: z.ZodTypeAny, value: unknown): void {
  const sent = wire(value);
  const result = schema.safeParse(sent);
  if (!result.success) throw new Error(`schema refused a real answer: ${result.error.message}`);
  expect(result.data).toEqual(sent);
}

function expectRefuses(schema: z.ZodTypeAny, value: unknown): void {
  expect(schema.safeParse(wire(value)).success).toBe(false);
}

const at = new Date('2026-03-01T10:00:00.000Z');
const later = new Date('2026-03-01T10:05:00.000Z');

const freshFunction: FunctionRecord = {
  id: '7bf26d5b-3983-45b8-b637-cb1b3b7c1cc3', name: 'resize', runtime: 'python3.12', handler: 'main.handler', description: '',
  labels: {}, env: {}, memoryMb: 128, timeoutMs: 10_000, maxConcurrency: 10, allowNetwork: false,
  retry: { maxAttempts: 3, nonRetryableErrors: [] }, status: 'active', createdAt: at, updatedAt: at,
};

/** As the meta store reads it back: unset JSON and integer columns are null, not absent. */
const storedFunction = { ...freshFunction, destinations: null, scaling: null, activeVersion: null } as unknown as FunctionRecord;

const fullFunction: FunctionRecord = {
  ...freshFunction, description: 'Resizes images', labels: { team: 'media' }, env: { SIZE: '128' }, allowNetwork: true,
  retry: { maxAttempts: 5, nonRetryableErrors: ['ValueError'] },
  destinations: { onSuccess: { type: 'kafka', topic: 'resized' }, onFailure: { type: 'webhook', url: 'https://hooks.example/x', headers: { 'X-Token': 't' } } },
  scaling: { module: 'fixed', params: { instances: 2 } }, activeVersion: 3, updatedAt: later,
};

const version: FunctionVersionRecord = {
  id: 'a59deb4a-4393-4795-b4d0-f523dc2d09e8', functionName: 'resize', number: 1, codeHash: 'ab'.repeat(32), artifactPath: '/data/artifacts/abab',
  status: 'ready', config: { runtime: 'python3.12', handler: 'main.handler', env: {}, memoryMb: 128, timeoutMs: 10_000, allowNetwork: false },
  deploymentId: 'deploy-resize-v1', createdAt: at,
};
const storedPendingVersion = { ...version, number: 2, status: 'pending', artifactPath: null, deploymentId: null, error: null } as unknown as FunctionVersionRecord;
const failedVersion: FunctionVersionRecord = { ...version, number: 3, status: 'failed', error: 'SyntaxError: invalid syntax (main.py, line 3)' };

const STEPS = ['validate', 'install-dependencies', 'store-artifact', 'warm', 'activate'];
const notAwaited: DeploymentView = { deploymentId: 'deploy-resize-v2', functionName: 'resize', version: 2, status: 'running', steps: [] };
const succeeded: DeploymentView = {
  deploymentId: 'deploy-resize-v2', functionName: 'resize', version: 2, status: 'succeeded', previousVersion: 1,
  steps: STEPS.map((name) => ({ name, status: 'done' as const })),
};
const failedDeployment: DeploymentView = {
  deploymentId: 'deploy-resize-v3', functionName: 'resize', version: 3, status: 'failed',
  steps: [{ name: 'validate', status: 'failed', error: 'invalid syntax' }, ...STEPS.slice(1).map((name) => ({ name, status: 'pending' as const }))],
  error: { code: 'SYNTAX_ERROR', message: 'invalid syntax', details: { file: 'main.py', line: 3 } },
};

describe('api/schemas', () => {
  describe('errorBodySchema', () => {
    /** Runs the real error middleware around a handler that throws `err`, and returns the body it set. */
    async function errorBodyFor(err: unknown): Promise<unknown> {
      const ctx = { state: { requestId: 'req-1', logger: silentLogger() }, method: 'GET', path: '/v1/x', status: 404, body: undefined as unknown };
      await errorHandler()(ctx as never, async () => {
        if (err) throw err;
      });
      return ctx.body;
    }

    it('describes typed errors with and without details, unexpected errors and unrouted paths', async () => {
      expectDescribes(errorBodySchema, await errorBodyFor(new ConflictError('Function "a" already exists.')));
      expectDescribes(errorBodySchema, await errorBodyFor(new InputError('Invalid function: name: bad.', { issues: [{ path: 'name', message: 'bad' }] })));
      expectDescribes(errorBodySchema, await errorBodyFor(new Error('secret')));
      expectDescribes(errorBodySchema, await errorBodyFor(undefined));
    });

    it('refuses a body without the error envelope or its request id', () => {
      expectRefuses(errorBodySchema, { code: 'NOT_FOUND', message: 'x', requestId: 'r' });
      expectRefuses(errorBodySchema, { error: { code: 'NOT_FOUND', message: 'x' } });
    });
  });

  describe('function schemas', () => {
    it('describe functionView of a record just written, read back from the store, and fully set', () => {
      for (const fn of [freshFunction, storedFunction, fullFunction]) expectDescribes(functionViewSchema, functionView(fn));
    });

    it('describe versionView of ready, pending (as stored) and failed versions', () => {
      for (const v of [version, storedPendingVersion, failedVersion]) expectDescribes(versionViewSchema, versionView(v));
      expectDescribes(versionListSchema, { items: [version, storedPendingVersion, failedVersion].map(versionView) });
    });

    it('describe deployments: not awaited, succeeded and failed', () => {
      for (const d of [notAwaited, succeeded, failedDeployment]) expectDescribes(deploymentViewSchema, d);
    });

    it('describe the create and update answers, and a page', () => {
      expectDescribes(functionCreatedSchema, { function: functionView(storedFunction), deployment: notAwaited });
      expectDescribes(deployedSchema, { function: functionView(fullFunction), deployment: succeeded });
      // An update that changes only labels makes no version: deployment is left out.
      expectDescribes(deployedSchema, { function: functionView(fullFunction), deployment: undefined });
      expectDescribes(functionPageSchema, { items: [storedFunction, fullFunction].map(functionView), next: 'resize' });
      expectDescribes(functionPageSchema, { items: [], next: undefined });
    });

    it('describe the scaling view with and without a running scaler', () => {
      const status: ScalerStatus = {
        functionName: 'resize', policy: { module: 'kpa', params: { target: 2 } }, awake: true,
        decisions: [
          { at: at.toISOString(), version: 3, current: 0, desired: 2, perNode: { 'node-a': 1, 'node-b': 1 }, mode: 'panic', reason: 'Burst: 8 in flight.' },
          { at: later.toISOString(), current: 2, desired: 0, perNode: {}, mode: 'idle', reason: 'No demand for 60 s.' },
        ],
      };
      expectDescribes(scalingViewSchema, { function: 'resize', policy: status.policy, running: true, decisions: status.decisions });
      expectDescribes(scalingViewSchema, { function: 'resize', policy: { module: 'kpa', params: {} }, running: false, decisions: [] });
    });

    it('refuse wrong objects', () => {
      const { name: _name, ...nameless } = functionView(freshFunction);
      expectRefuses(functionViewSchema, nameless);
      expectRefuses(functionViewSchema, { ...functionView(freshFunction), createdAt: 'yesterday' });
      expectRefuses(functionViewSchema, { ...functionView(freshFunction), activeVersion: 0 });
      expectRefuses(functionViewSchema, { ...functionView(freshFunction), destinations: { onSuccess: { type: 'sqs', queue: 'q' } } });
      expectRefuses(versionViewSchema, { ...versionView(version), status: 'active' });
      expectRefuses(deploymentViewSchema, { ...succeeded, status: 'done' });
      expectRefuses(functionCreatedSchema, { function: functionView(freshFunction) });
      expectRefuses(scalingViewSchema, { function: 'resize', policy: { module: 'kpa' }, running: true, decisions: [] });
    });
  });

  describe('invocation schemas', () => {
    const sync: InvocationView = {
      invocationId: 'resize-1', functionName: 'resize', version: 3, mode: 'sync', trigger: 'api', caller: 'token:4f1c', status: 'succeeded',
      result: { width: 128, tags: ['a'], nested: null }, logs: { stdout: 'ok\n', stderr: '', truncated: false },
      coldStart: true, attempts: 1, durationMs: 12.5, nodeId: 'node-a',
    };
    const failed: InvocationView = {
      ...sync, invocationId: 'resize-2', alias: 'live', status: 'failed', result: undefined,
      error: { type: 'ValueError', message: 'bad size', stack: 'Traceback…' }, logs: { stdout: '', stderr: 'x'.repeat(10), truncated: true },
    };
    const running: InvocationView = {
      invocationId: 'resize-3', functionName: 'resize', version: undefined, mode: 'async', trigger: 'kafka:orders', status: 'running',
      startedAt: at.toISOString(), finishedAt: undefined,
    };
    const ended: InvocationView = { ...sync, invocationId: 'resize-4', mode: 'async', startedAt: at.toISOString(), finishedAt: later.toISOString(), result: 42 };
    const terminated: InvocationView = {
      ...running, version: 3, status: 'cancelled', finishedAt: later.toISOString(), error: { type: 'TERMINATED', message: 'The invocation ended terminated.' },
    };

    it('describe sync answers, described invocations and cancellations', () => {
      for (const view of [sync, failed, running, ended, terminated]) expectDescribes(invocationViewSchema, view);
      expectDescribes(invocationCancelledSchema, { ...running, status: 'cancelled' });
    });

    it('describe a page, listed as visibility shows them', () => {
      const page: InvocationPage = {
        items: [
          { invocationId: 'resize-3', functionName: 'resize', version: 3, mode: 'async', trigger: 'api', status: 'queued', startedAt: at.toISOString(), finishedAt: undefined },
          { invocationId: 'resize-4', functionName: 'resize', version: undefined, mode: undefined, trigger: undefined, status: 'succeeded', startedAt: undefined, finishedAt: later.toISOString() },
        ],
        nextPageToken: 'Y3Vyc29y',
      };
      expectDescribes(invocationPageSchema, page);
      expectDescribes(invocationPageSchema, { items: [] });
    });

    it('describe the async answer', () => {
      expectDescribes(queuedInvocationSchema, { invocationId: 'resize-5', status: 'queued' });
    });

    it('refuse wrong objects', () => {
      expectRefuses(invocationViewSchema, { ...sync, status: 'done' });
      expectRefuses(invocationViewSchema, { ...failed, error: 'bad size' });
      expectRefuses(invocationViewSchema, { ...sync, logs: { stdout: 'ok' } });
      expectRefuses(queuedInvocationSchema, { invocationId: 'resize-5', status: 'running' });
      expectRefuses(invocationCancelledSchema, running);
      expectRefuses(invocationPageSchema, { items: [{ functionName: 'resize', status: 'queued' }] });
    });
  });

  describe('trigger schemas', () => {
    const http: Trigger = {
      id: 'c2a3', name: 'resize-http', kind: 'http', functionName: 'resize', config: { path: '/resize', methods: ['POST'], auth: 'api-key' },
      paused: false, description: '', apiKeyHash: 'ff'.repeat(32), createdAt: at, updatedAt: later,
    };
    const kafka = { ...http, name: 'orders', kind: 'kafka', config: { topic: 'orders', groupId: 'g' }, apiKeyHash: null } as unknown as Trigger;
    const bridge: BridgeStatus = {
      running: true,
      triggers: [{
        id: 'orders', state: 'running', topics: ['orders'], inFlight: 1, started: 10, duplicates: 0, deadLettered: 1, retries: 2, restarts: 0,
        committed: { 'orders/0': '11' }, lastError: { message: 'broker went away', at: at.toISOString() },
      }],
      invalid: [],
    };

    /** api/routes/triggers.ts `view`, which lives inside its router. */
    const view = (trigger: Trigger, status?: BridgeStatus) => {
      const { id: _id, apiKeyHash, functionName, ...rest } = trigger;
      const live = trigger.kind === 'kafka' ? status?.triggers.find((t) => t.id === trigger.name) : undefined;
      return { ...rest, function: functionName, requiresApiKey: Boolean(apiKeyHash), ...(live ? { bridge: live } : {}) };
    };

    it('describe views with and without the bridge state, the list, the create answer and a new key', () => {
      expectDescribes(triggerViewSchema, view(http));
      expectDescribes(triggerViewSchema, view(kafka, bridge));
      expectDescribes(triggerViewSchema, view(kafka));
      expectDescribes(triggerListSchema, { items: [view(http), view(kafka, bridge)] });
      expectDescribes(triggerCreatedSchema, { trigger: view(http), apiKey: 'pfk_abc' });
      expectDescribes(triggerCreatedSchema, { trigger: view(kafka) });
      expectDescribes(apiKeySchema, { apiKey: 'pfk_def' });
    });

    it("describe the GET view with a kind's live state, or the error asking for it", () => {
      const schedule: ScheduleRunInfo = {
        scheduleId: 'pyfaas-trigger-nightly', paused: false, nextRunTimes: [later.toISOString()],
        recentRuns: [{ scheduledAt: at.toISOString(), startedAt: at.toISOString(), invocationId: 'resize-9' }],
        runningInvocationIds: [], runsTaken: 1, runsSkippedOverlap: 0, runsMissedCatchupWindow: 0,
      };
      const nightly: Trigger = { ...http, name: 'nightly', kind: 'schedule', config: { cron: '0 3 * * *' }, apiKeyHash: undefined };
      expectDescribes(triggerDetailSchema, { ...view(nightly), schedule });
      expectDescribes(triggerDetailSchema, { ...view(nightly), error: 'Temporal did not answer' });
      expectDescribes(triggerDetailSchema, view(http));
    });

    it('refuse wrong objects', () => {
      expectRefuses(triggerViewSchema, { ...view(http), requiresApiKey: undefined });
      expectRefuses(triggerViewSchema, { ...view(kafka), bridge: { ...bridge.triggers[0], state: 'rebalancing' } });
      expectRefuses(triggerDetailSchema, { ...view(http), function: undefined });
      expectRefuses(triggerCreatedSchema, view(http));
      expectRefuses(apiKeySchema, {});
    });
  });

  describe('alias and rollout schemas', () => {
    const alias: AliasRecord = { id: 'a1', functionName: 'resize', name: 'live', routes: [{ version: 1, weight: 90 }, { version: 2, weight: 10 }], createdAt: at, updatedAt: later };

    it('describe aliasView and the list', () => {
      expectDescribes(aliasViewSchema, aliasView(alias));
      expectDescribes(aliasListSchema, { items: [aliasView(alias), aliasView({ ...alias, name: 'canary', routes: [{ version: 2, weight: 100 }] })] });
    });

    it('describe the rollout start answer and its progress: running, rolled back, and ended abnormally', () => {
      const input = { functionName: 'resize', alias: 'live', toVersion: 2, steps: [10, 50, 100], stepPauseMs: 60_000, maxErrorRate: 0.05, minInvocations: 10 };
      expectDescribes(rolloutStartedSchema, { rolloutId: 'rollout:resize:live', runId: 'run-1', status: 'running', ...input });
      const running: RolloutView = {
        rolloutId: 'rollout:resize:live', runId: 'run-1', status: 'running', functionName: 'resize', alias: 'live', fromVersion: 1, toVersion: 2,
        originalRoutes: [{ version: 1, weight: 100 }],
        steps: [
          { weight: 10, status: 'passed', invocations: 3, failed: 0, errorRate: 0, note: 'Only 3 invocations…', startedAt: at.toISOString() },
          { weight: 50, status: 'running', invocations: 0, failed: 0, errorRate: null, startedAt: later.toISOString() },
          { weight: 100, status: 'pending', invocations: 0, failed: 0, errorRate: null },
        ],
      };
      expectDescribes(rolloutViewSchema, running);
      expectDescribes(rolloutViewSchema, {
        ...running, status: 'rolled_back', reason: 'Error rate 40% exceeded the maximum 5% at the 50% step.',
        steps: [running.steps[0], { ...running.steps[1], status: 'failed', invocations: 10, failed: 4, errorRate: 0.4 }, { ...running.steps[2], status: 'skipped' }],
      });
      // Terminated with no worker to replay it: the fallback progress from the memo.
      expectDescribes(rolloutViewSchema, {
        rolloutId: 'rollout:resize:live', runId: 'run-2', status: 'failed', functionName: '', alias: '', toVersion: 0, steps: [], reason: 'The rollout workflow ended terminated.',
      });
    });

    it('refuse wrong objects', () => {
      expectRefuses(aliasViewSchema, { ...aliasView(alias), versions: [{ version: 1 }] });
      expectRefuses(aliasViewSchema, { ...aliasView(alias), versions: undefined });
      expectRefuses(rolloutViewSchema, { rolloutId: 'r', status: 'paused', functionName: 'f', alias: 'a', toVersion: 2, steps: [] });
      expectRefuses(rolloutStartedSchema, { rolloutId: 'r', runId: 'x', status: 'succeeded' });
    });
  });

  describe('nodeListSchema', () => {
    const node: WorkerNodeRecord = {
      nodeId: 'node-a', taskQueue: 'pyfaas-node-node-a', capacity: 32, startedAt: at, lastHeartbeatAt: later,
      functions: [{ functionName: 'resize', version: 3, warm: 2, busy: 1, target: 2, invocations: 40, coldStarts: 2 }],
    };

    it('describes the live nodes', () => {
      expectDescribes(nodeListSchema, { items: [node, { ...node, nodeId: 'node-b', functions: [] }] });
      expectDescribes(nodeListSchema, { items: [] });
    });

    it('refuses wrong objects', () => {
      expectRefuses(nodeListSchema, [node]);
      expectRefuses(nodeListSchema, { items: [{ ...node, functions: [{ functionName: 'resize', version: 3 }] }] });
    });
  });

  describe('health schemas', () => {
    it('describe /healthz and the readiness report, ok and failing, with and without details', async () => {
      expectDescribes(healthSchema, { status: 'ok' });
      const ok = await new Readiness({ database: async () => undefined }).report();
      const failing = await new Readiness({ database: async () => undefined, kafka: async () => { throw new Error('connection refused'); } }).report();
      expectDescribes(readinessSchema, ok);
      expectDescribes(readinessSchema, failing);
      expectDescribes(readinessSchema, { status: failing.status });
    });

    it('refuse wrong objects', () => {
      expectRefuses(healthSchema, { status: 'up' });
      expectRefuses(readinessSchema, { status: 'ok', checks: { database: { status: 'ok' } } });
    });
  });

  describe('auth, policy and audit schemas', () => {
    const record: TokenRecord = {
      id: '4f1c', name: 'ci-deploy', role: 'admin', permissions: ['function:create', 'function:read'], functionNames: ['resize'],
      functionLabels: { team: 'media' }, hash: 'cd'.repeat(32), hint: 'a1B2c3', rateLimit: { requestsPerSecond: 5, burst: 10 },
      createdBy: 'bootstrap', createdAt: at, expiresAt: later, revokedAt: null, lastUsedAt: later,
    };
    const bare: TokenRecord = { ...record, id: '5e2d', permissions: null, functionNames: null, functionLabels: null, rateLimit: null, expiresAt: null, lastUsedAt: null };

    it('describe tokenView, the created token and the list', () => {
      expectDescribes(tokenViewSchema, tokenView(record));
      expectDescribes(tokenViewSchema, tokenView({ ...bare, revokedAt: later }));
      expectDescribes(tokenCreatedSchema, { token: 'pyf_secret', ...tokenView(bare) });
      expectDescribes(tokenListSchema, { items: [tokenView(record), tokenView(bare)] });
    });

    it('describe the principal as GET /v1/whoami shows it (api/routes/tokens.ts principalView)', () => {
      const view = { id: 'token:4f1c', name: 'ci-deploy', via: 'tokens', role: 'admin', permissions: ['function:create', 'function:read'], functions: { names: ['resize'] }, expiresAt: later.toISOString() };
      expectDescribes(principalViewSchema, view);
      expectDescribes(principalViewSchema, { ...view, via: 'jwt', role: 'invoker', functions: null, expiresAt: null });
    });

    it('describe policies: defaults in force and a stored one', () => {
      const defaults: PolicyView<Record<string, unknown>> = { kind: 'auth', value: { module: 'tokens', rateLimits: { perPrincipal: { requestsPerSecond: 1000, burst: 2000 } } }, revision: 0 };
      const stored: PolicyView<Record<string, unknown>> = { ...defaults, revision: 3, updatedBy: 'token:4f1c', updatedAt: later.toISOString() };
      expectDescribes(policyViewSchema, stored);
      expectDescribes(policyListSchema, { items: [defaults, stored] });
    });

    it('describe an audit page, with and without a next page', () => {
      const page: AuditPage = {
        items: [
          { id: 12, at: later.toISOString(), principalId: 'token:4f1c', principalName: 'ci-deploy', role: 'admin', action: 'function:create', method: 'POST', route: '/v1/functions', resourceType: 'function', resourceName: 'resize', requestId: 'req-1', outcome: 'succeeded', status: 201, errorCode: null },
          { id: 11, at: at.toISOString(), principalId: 'token:5e2d', principalName: 'ops', role: 'invoker', action: 'invocation:cancel', method: 'POST', route: '/v1/invocations/{id}/cancel', resourceType: 'invocation', resourceName: null, requestId: 'req-2', outcome: 'denied', status: 403, errorCode: 'NOT_ALLOWED' },
        ],
        next: '11',
      };
      expectDescribes(auditPageSchema, page);
      expectDescribes(auditPageSchema, { items: [] });
    });

    it('refuse wrong objects', () => {
      const { hint: _hint, ...hintless } = tokenView(record);
      expectRefuses(tokenViewSchema, hintless);
      expectRefuses(tokenCreatedSchema, tokenView(record));
      expectRefuses(principalViewSchema, { id: 'token:4f1c', name: 'ci', via: 'tokens', role: 'admin', permissions: 'all', functions: null, expiresAt: null });
      expectRefuses(policyViewSchema, { kind: 'auth', value: 'tokens', revision: 0 });
      expectRefuses(auditPageSchema, { items: [{ id: 1, outcome: 'allowed' }] });
    });
  });

  it('every exported schema converts to OpenAPI 3.1, described, with nullable and optional fields told apart', () => {
    // As api/openapi.ts uses them: inline response schemas (registering names needs zod extended, a side effect).
    const registry = new OpenAPIRegistry();
    const named = Object.entries(schemas).filter(([name]) => name.endsWith('Schema')) as Array<[string, z.ZodTypeAny]>;
    for (const [name, schema] of named) {
      registry.registerPath({ method: 'get', path: `/${name}`, responses: { 200: { description: name, content: { 'application/json': { schema } } } } });
    }
    const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({ openapi: '3.1.0', info: { title: 't', version: '0' } });
    const bodyOf = (name: string) => (document.paths as any)[`/${name}`].get.responses['200'].content['application/json'].schema;
    for (const [name] of named) expect(bodyOf(name)).toBeDefined();
    const fn = bodyOf('functionViewSchema');
    expect(fn).toMatchObject({ type: 'object', description: 'A function' });
    expect(fn.required).toEqual(expect.arrayContaining(['name', 'activeVersion', 'createdAt']));
    expect(fn.required).not.toContain('destinations');
    expect(fn.properties.activeVersion.type).toEqual(['integer', 'null']);
    expect(fn.properties.createdAt).toMatchObject({ type: 'string', format: 'date-time' });
    expect(bodyOf('invocationViewSchema').required).toEqual(['invocationId', 'functionName', 'status']);
    const toplevel = ['errorBodySchema', 'functionViewSchema', 'deployedSchema', 'invocationViewSchema', 'triggerViewSchema', 'aliasViewSchema', 'rolloutViewSchema', 'nodeListSchema', 'readinessSchema', 'tokenViewSchema', 'auditPageSchema'];
    for (const name of toplevel) expect(typeof bodyOf(name).description).toBe('string');
  });
});
