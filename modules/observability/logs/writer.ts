import type { Logger } from '../../../common/logger';
import { FunctionLogLineSchema, type FunctionLogLineRecord } from '../../meta/function-log-entity';
import type { MetaStore } from '../../meta/store';
import { attemptRows, splitLines, type AttemptOutput, type CaptureLevel, type LogLineRow } from './lines';

export interface FunctionLogWriterOptions {
  store: MetaStore;
  /** The capture level in force for a function (the observability policy, read through the policy cache). */
  capture(functionName: string): Promise<CaptureLevel>;
  logger: Logger;
  /** How long output waits before it is written (default 200 ms): one insert serves every attempt of that window. */
  flushIntervalMs?: number;
  /** Rows per INSERT (default 500: well under SQLite's and PostgreSQL's bound-parameter limits). */
  batchRows?: number;
  /** Characters of output held while the store does not answer (default 64 Mi); beyond it the oldest is dropped. */
  maxPendingChars?: number;
}

export interface FunctionLogWriterStats {
  /** Lines stored. */
  written: number;
  /** Lines given up: the buffer overflowed while the store was away, or the process closed before they were stored. */
  dropped: number;
  /** Flushes that failed (each is retried). */
  failedFlushes: number;
}

const MAX_BACKOFF_MS = 10_000;

/**
 * Stores functions' output in the function log, off the invoke hot path: `record` only
 * queues an attempt's output (no I/O, no await) and a timer writes what queued in batches.
 * The capture level is applied when writing, so a policy change counts from the next flush.
 * A failed write is logged and retried with backoff; it never throws into the attempt.
 * While the store is away the queue is bounded by characters and the oldest output goes
 * first (counted in `stats.dropped`).
 */
export class FunctionLogWriter {
  readonly stats: FunctionLogWriterStats = { written: 0, dropped: 0, failedFlushes: 0 };
  private queued: AttemptOutput[] = [];
  /** Rows of an earlier flush that failed, written first. */
  private unwritten: LogLineRow[] = [];
  private pendingChars = 0;
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private backoffMs = 0;
  private closed = false;
  private readonly flushIntervalMs: number;
  private readonly batchRows: number;
  private readonly maxPendingChars: number;

  constructor(private readonly options: FunctionLogWriterOptions) {
    this.flushIntervalMs = options.flushIntervalMs ?? 200;
    this.batchRows = options.batchRows ?? 500;
    this.maxPendingChars = options.maxPendingChars ?? 64 * 1024 * 1024;
  }

  /** Queues one attempt's output; returns at once. Attempts that printed nothing cost nothing. */
  record(output: AttemptOutput): void {
    if (this.closed || (!output.logs.stdout && !output.logs.stderr && !output.logs.truncated)) return;
    this.queued.push(output);
    this.pendingChars += charsOfAttempts([output]);
    this.shed();
    this.schedule(this.flushIntervalMs);
  }

  /** Writes everything queued now; resolves when done (a failure is logged and left for the retry). Never rejects. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flushing ??= this.write().finally(() => {
      this.flushing = undefined;
      if (this.queued.length > 0 || this.unwritten.length > 0) this.schedule(this.backoffMs || this.flushIntervalMs);
    });
    return this.flushing;
  }

  /** Writes what is queued one last time, then stops taking output; what could not be written is counted as dropped. */
  async close(): Promise<void> {
    await this.flushing;
    await this.flush();
    this.closed = true;
    clearTimeout(this.timer);
    const lost = this.unwritten.length + this.queued.length;
    if (lost > 0) this.options.logger.warn({ unwrittenLines: this.unwritten.length, unwrittenAttempts: this.queued.length }, 'closing with function output the log store did not take');
    this.stats.dropped += this.unwritten.length;
    this.queued = [];
    this.unwritten = [];
  }

  private schedule(delayMs: number): void {
    if (this.timer || this.flushing || this.closed) return;
    this.timer = setTimeout(() => void this.flush(), delayMs);
    this.timer.unref();
  }

  private async write(): Promise<void> {
    try {
      const attempts = this.queued;
      this.queued = [];
      this.unwritten.push(...(await this.rowsOf(attempts)));
      while (this.unwritten.length > 0) {
        const batch = this.unwritten.slice(0, this.batchRows);
        await this.options.store.em().insertMany<FunctionLogLineRecord>(FunctionLogLineSchema, batch as FunctionLogLineRecord[]);
        this.unwritten = this.unwritten.slice(batch.length);
        this.stats.written += batch.length;
      }
      this.backoffMs = 0;
    } catch (err) {
      this.stats.failedFlushes += 1;
      this.backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(this.flushIntervalMs, this.backoffMs * 2));
      this.options.logger.warn({ err, unwrittenLines: this.unwritten.length, retryInMs: this.backoffMs }, 'could not store function output; retrying');
      this.shedUnwritten();
    } finally {
      this.pendingChars = charsOfAttempts(this.queued) + charsOfRows(this.unwritten);
    }
  }

  /**
   * The attempts' rows under each function's capture level. When a level cannot be read (the
   * store is away) every attempt goes back to the front of the queue and the error propagates.
   */
  private async rowsOf(attempts: AttemptOutput[]): Promise<LogLineRow[]> {
    const names = [...new Set(attempts.map((o) => o.functionName))];
    let levels: Map<string, CaptureLevel>;
    try {
      levels = new Map(await Promise.all(names.map(async (name) => [name, await this.options.capture(name)] as const)));
    } catch (err) {
      this.queued.unshift(...attempts);
      throw err;
    }
    return attempts.flatMap((output) => attemptRows(output, levels.get(output.functionName)!));
  }

  /** Drops the oldest queued attempts while more than maxPendingChars wait (the newest always stays). */
  private shed(): void {
    while (this.pendingChars > this.maxPendingChars && this.queued.length > 1) {
      const output = this.queued.shift()!;
      this.pendingChars -= charsOfAttempts([output]);
      this.stats.dropped += splitLines(output.logs.stdout).length + splitLines(output.logs.stderr).length;
    }
  }

  /** After a failed write (nothing else touches `unwritten` then): keeps the newest rows within maxPendingChars. */
  private shedUnwritten(): void {
    let chars = charsOfRows(this.unwritten);
    let drop = 0;
    while (chars > this.maxPendingChars && drop < this.unwritten.length) chars -= this.unwritten[drop++].line.length;
    if (drop === 0) return;
    this.unwritten = this.unwritten.slice(drop);
    this.stats.dropped += drop;
    this.options.logger.warn({ droppedLines: drop }, 'dropped the oldest function output: the log store has not taken it for too long');
  }
}

function charsOfAttempts(outputs: AttemptOutput[]): number {
  return outputs.reduce((sum, o) => sum + o.logs.stdout.length + o.logs.stderr.length, 0);
}

function charsOfRows(rows: LogLineRow[]): number {
  return rows.reduce((sum, row) => sum + row.line.length, 0);
}
