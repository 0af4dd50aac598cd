import { ActivityFailure, ApplicationFailure, log } from '@temporalio/workflow';

/** What a saga workflow's progress query shows: each step's state, and the error once it failed. */
export interface SagaProgress {
  status: 'running' | 'succeeded' | 'failed';
  steps: Array<{ name: string; status: 'pending' | 'running' | 'done' | 'failed' | 'compensated'; error?: string }>;
  error?: { code: string; message: string; details?: unknown };
}

/**
 * The steps of a multi-step workflow (deploy, module install) and their compensations
 * (STYLE §4): each compensation is registered after its step succeeded; on failure they run
 * in reverse, a compensation that fails is logged and skipped, and the step's code is kept.
 */
export class Saga {
  private readonly undo: Array<{ step: number; run: () => Promise<unknown> }> = [];
  private current = 0;

  constructor(private readonly progress: SagaProgress) {}

  async run<T>(index: number, work: () => Promise<T>): Promise<T> {
    this.current = index;
    this.progress.steps[index].status = 'running';
    const result = await work();
    this.progress.steps[index].status = 'done';
    return result;
  }

  /** Registers the undo of step `step`, which has just succeeded. */
  compensate(step: number, run: () => Promise<unknown>): void {
    this.undo.push({ step, run });
  }

  /** Marks the failed step with its error, runs the compensations in reverse, and answers the failure to rethrow. */
  async fail(err: unknown, fallbackCode: string): Promise<ApplicationFailure> {
    const cause = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause : undefined;
    const message = cause?.message ?? (err as Error).message;
    const { progress } = this;
    progress.steps[this.current] = { ...progress.steps[this.current], status: 'failed', error: message };
    progress.status = 'failed';
    progress.error = { code: cause?.type ?? fallbackCode, message, details: cause?.details?.[0] };
    for (const { step, run } of this.undo.reverse()) {
      try {
        await run();
        progress.steps[step].status = 'compensated';
      } catch (compensationError) {
        log.warn('compensation failed', { step: progress.steps[step].name, error: (compensationError as Error).message });
      }
    }
    return ApplicationFailure.nonRetryable(message, progress.error.code, progress.error.details);
  }
}
