import { PassThrough } from 'node:stream';
import { PyFaaSError } from '../../../common/errors';
import type { Logger } from '../../../common/logger';
import { cursorId } from './cursor';
import type { LogStart } from './query';
import type { CursoredPage, FunctionLogStore, LogFilter } from './store';

/** More followers than this process serves at once; the API answers 429 with Retry-After. */
export class TooManyFollowersError extends PyFaaSError {
  readonly code: string = 'TOO_MANY_FOLLOWERS';
  readonly status: number = 429;
}

export interface FollowersOptions {
  logs: FunctionLogStore;
  logger: Logger;
  /** Followers at once on this process (default 100). */
  max?: number;
  /** How often each follower looks for new lines (default 300 ms). */
  pollMs?: number;
  /** How often an idle stream says `: keepalive` so proxies keep it open (default 15 s). */
  keepaliveMs?: number;
}

/** Lines a follower reads per poll; a full batch is followed by another poll at once. */
const POLL_BATCH = 500;

/**
 * The log followers of this process (`follow=true`): each is a server-sent-event stream fed
 * by its own poll of the log store, after the same backlog a page would show. A follower
 * ends when its client leaves (or the process closes); nothing of it stays behind.
 */
export class LogFollowers {
  private readonly open = new Set<Follower>();
  private readonly max: number;

  constructor(private readonly options: FollowersOptions) {
    this.max = options.max ?? 100;
  }

  /** Followers open now (the pyfaas_log_followers gauge). */
  get count(): number {
    return this.open.size;
  }

  /**
   * Opens a follower: a stream of `retry:`, then the backlog (`limit` lines from `start`), then
   * each new line, as SSE events whose `id:` is the line's cursor. Throws TooManyFollowersError
   * when this process already serves `max`. Call `close` when the client leaves.
   */
  follow(filter: LogFilter, start: LogStart, limit: number): { stream: PassThrough; close(): void } {
    if (this.open.size >= this.max) {
      throw new TooManyFollowersError(`This process already streams ${this.max} function logs; try again shortly or read pages instead (without follow).`, { retryAfterSeconds: 5 });
    }
    const follower = new Follower(this.options, filter, () => this.open.delete(follower));
    this.open.add(follower);
    follower.run(start, limit);
    return { stream: follower.stream, close: () => follower.close() };
  }

  /** Ends every follower (process shutdown). */
  closeAll(): void {
    for (const follower of [...this.open]) follower.close();
  }
}

class Follower {
  readonly stream = new PassThrough();
  private cursor = 0;
  private timer?: NodeJS.Timeout;
  private readonly keepalive: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly options: FollowersOptions,
    private readonly filter: LogFilter,
    private readonly onClose: () => void,
  ) {
    this.keepalive = setInterval(() => this.stream.write(': keepalive\n\n'), options.keepaliveMs ?? 15_000);
    this.keepalive.unref();
    // The consumer (the response) going away ends the follower, whoever notices first.
    this.stream.once('close', () => this.close());
    this.stream.on('error', () => this.close());
  }

  run(start: LogStart, limit: number): void {
    this.stream.write('retry: 1000\n\n');
    void this.options.logs.page(this.filter, start, limit).then(
      (page) => this.deliver(page).then(() => this.schedule(0)),
      (err: unknown) => {
        this.options.logger.warn({ err, function: this.filter.functionName }, 'could not read the log backlog for a follower');
        this.close();
      },
    );
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    clearInterval(this.keepalive);
    this.onClose();
    this.stream.end();
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.poll(), delayMs);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    let page: CursoredPage;
    try {
      page = await this.options.logs.page(this.filter, { after: this.cursor }, POLL_BATCH);
    } catch (err) {
      this.options.logger.warn({ err, function: this.filter.functionName }, 'a log follower could not read new lines; it tries again');
      this.schedule(Math.max(1000, this.options.pollMs ?? 300));
      return;
    }
    await this.deliver(page);
    this.schedule(page.lines.length === POLL_BATCH ? 0 : this.options.pollMs ?? 300);
  }

  /** Writes the lines as events and moves the cursor; waits while the client reads slower than the lines come. */
  private async deliver(page: CursoredPage): Promise<void> {
    if (this.closed) return;
    let chunk = '';
    for (const { cursor, view } of page.lines) chunk += `id: ${cursor}\ndata: ${JSON.stringify(view)}\n\n`;
    this.cursor = cursorId(page.next, 'after');
    if (chunk && !this.stream.write(chunk)) {
      await new Promise<void>((resolve) => {
        this.stream.once('drain', resolve);
        this.stream.once('close', resolve);
      });
    }
  }
}
