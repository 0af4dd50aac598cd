/**
 * The `task` kind's contract (modules/task/CONTRACT.md): a module that admits or refuses
 * requests before they become tasks (invocations). The function policy lists the task modules
 * in force (`taskChecks: [{ module, config }]`); every invocation started through the API (sync,
 * async, HTTP and webhook triggers) is shown to each of them before
 * its workflow starts. A module refuses by throwing one of the kit's errors (a 4xx with its
 * code); the caller gets that answer and no invocation exists. Kafka and schedule triggers are
 * not admitted here: their events were accepted upstream (the broker, the Temporal schedule).
 */

export interface TaskRequest {
  functionName: string;
  version: number;
  mode: 'sync' | 'async';
  /** `api`, or `<trigger kind>:<trigger name>` (e.g. `http:orders`), as recorded on the invocation. */
  trigger: string;
  /** The principal asking, when the route knows one. */
  caller: string | null;
  /** The function's labels. */
  labels: Record<string, string>;
  event: unknown;
  /** Size of the event as JSON. */
  eventBytes: number;
}

export interface TaskGuard {
  /** Returns to admit; throws a kit error (NotAllowedError, LimitExceededError, …) to refuse. Runs on the hot path: keep it fast. */
  admit(request: TaskRequest): void | Promise<void>;
}

/** What a task module's `create(context)` returns: builds a guard from its config (throws InputError for a bad one). */
export type TaskModuleFactory = (config: Record<string, unknown>) => TaskGuard;
