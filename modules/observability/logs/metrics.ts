import { Counter, Gauge, type Registry } from 'prom-client';
import type { LogFollowers } from './followers';
import type { FunctionLogWriterStats } from './writer';

/** pyfaas_log_followers: the log streams (`follow=true`) this process serves now (api roles). */
export function registerFollowerMetrics(registry: Registry, followers: LogFollowers): void {
  new Gauge({
    name: 'pyfaas_log_followers', help: 'Function log streams (follow=true) open on this process', registers: [registry],
    collect() {
      this.set(followers.count);
    },
  });
}

/** The function log writer's counters, read at scrape time (worker roles). */
export function registerWriterMetrics(registry: Registry, stats: FunctionLogWriterStats): void {
  const counter = (name: string, help: string, read: () => number) =>
    new Counter({
      name, help, registers: [registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  counter('pyfaas_function_log_lines_written_total', 'Lines of function output stored in the function log', () => stats.written);
  counter('pyfaas_function_log_lines_dropped_total', 'Lines of function output given up (the log store away too long, or the process closing)', () => stats.dropped);
  counter('pyfaas_function_log_flush_failures_total', 'Writes of function output to the log store that failed (each retried)', () => stats.failedFlushes);
}
