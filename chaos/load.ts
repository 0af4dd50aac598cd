import type { Producer } from 'kafkajs';
import type { ChaosApi } from './api';

export type Stream = 'sync' | 'async' | 'kafka';
export const STREAMS: Stream[] = ['sync', 'async', 'kafka'];

/** One request of the steady load, and what became of it. */
export interface LoadItem {
  key: string;
  stream: Stream;
  /** The fault window it was sent in (index into the run's windows). */
  window: number;
  submittedAt: number;
  /** sync: answered; async: accepted with 202; kafka: acknowledged by the broker. */
  acceptedAt?: number;
  invocationId?: string;
  /** sync: the answer's status; async: the status read back after the run. */
  status?: string;
  /** Sync calls that got no answer at all within HANG_MS (each was then sent again). */
  hangs: number;
  /** Retried until its deadline without getting through. */
  gaveUp?: boolean;
  lastError?: string;
}

export interface LoadOptions {
  functionName: string;
  topic: string;
  /** Requests per second per stream. */
  rate: number;
  /** How long one request is retried through failures before it counts as not sent. */
  giveUpMs: number;
}

/** A sync caller waiting this long without any answer is left hanging. */
export const HANG_MS = 30_000;
const RETRY_PAUSE_MS = 500;
const TERMINAL = ['succeeded', 'failed', 'timed_out', 'cancelled'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A steady mixed load: sync and async invocations through the API and records to a
 * Kafka-triggered topic, each `rate` per second, every request keyed so its side effect can
 * be matched. A caller does what a careful client does: it retries a dropped connection or
 * a 5xx with the same Idempotency-Key (a record: until the broker acknowledges it).
 */
export class SteadyLoad {
  readonly items: LoadItem[] = [];
  /** The window new requests are counted in; the run moves it on before each fault. */
  window = 0;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private sequence = 0;

  constructor(
    private readonly api: ChaosApi,
    private readonly producer: Producer,
    private readonly options: LoadOptions,
  ) {}

  start(): void {
    const every = 1000 / this.options.rate;
    STREAMS.forEach((stream, index) => {
      // Staggered, so the three streams do not fire in the same millisecond.
      const first = setTimeout(() => {
        this.send(stream);
        this.timers.push(setInterval(() => this.send(stream), every));
      }, (every / STREAMS.length) * index);
      this.timers.push(first);
    });
  }

  /** Stops sending and waits for every request already sent to be answered or given up. */
  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** Reads back the final status of every accepted async invocation, polling until `deadline`. */
  async settleAsync(deadline: number): Promise<void> {
    const open = () => this.items.filter((item) => item.stream === 'async' && item.invocationId && !TERMINAL.includes(item.status ?? ''));
    while (open().length > 0 && Date.now() < deadline) {
      for (const item of open()) {
        try {
          const answer = await this.api.call('GET', `/v1/invocations/${encodeURIComponent(item.invocationId!)}`, undefined, {}, 5000);
          if (answer.status === 200) item.status = answer.body.status;
        } catch {
          // asked again on the next round
        }
      }
      if (open().length > 0) await sleep(1000);
    }
  }

  /** Sends `count` requests of one stream at once, in the current window (a burst on top of the steady load). */
  burst(stream: Stream, count: number): void {
    for (let i = 0; i < count; i += 1) this.send(stream);
  }

  private send(stream: Stream): void {
    this.sequence += 1;
    const item: LoadItem = { key: `${stream}-${this.sequence}-${process.pid}`, stream, window: this.window, submittedAt: Date.now(), hangs: 0 };
    this.items.push(item);
    const run = (stream === 'kafka' ? this.produce(item) : this.invoke(item)).finally(() => this.inFlight.delete(run));
    this.inFlight.add(run);
  }

  private async invoke(item: LoadItem): Promise<void> {
    const query = item.stream === 'async' ? '?async=true' : '';
    const deadline = item.submittedAt + this.options.giveUpMs;
    for (;;) {
      try {
        const answer = await this.api.call('POST', `/v1/functions/${this.options.functionName}/invoke${query}`, { key: item.key }, { 'idempotency-key': item.key }, HANG_MS);
        if (answer.status === 200 || answer.status === 202) {
          item.acceptedAt = Date.now();
          item.invocationId = answer.body.invocationId;
          item.status = answer.body.status;
          return;
        }
        item.lastError = `HTTP ${answer.status} ${answer.body?.error?.code ?? ''}`.trim();
      } catch (err) {
        if ((err as Error).name === 'TimeoutError') item.hangs += 1;
        item.lastError = (err as Error).message;
      }
      if (Date.now() > deadline) {
        item.gaveUp = true;
        return;
      }
      await sleep(RETRY_PAUSE_MS);
    }
  }

  private async produce(item: LoadItem): Promise<void> {
    const deadline = item.submittedAt + this.options.giveUpMs;
    for (;;) {
      try {
        await this.producer.send({ topic: this.options.topic, acks: -1, messages: [{ key: item.key, value: JSON.stringify({ key: item.key }) }] });
        item.acceptedAt = Date.now();
        return;
      } catch (err) {
        item.lastError = (err as Error).message;
      }
      if (Date.now() > deadline) {
        item.gaveUp = true;
        return;
      }
      await sleep(RETRY_PAUSE_MS);
    }
  }
}
