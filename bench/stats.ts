import { spawnSync } from 'node:child_process';

/** Shared helpers of the benchmark programs. */

export function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const round = (ms: number) => Math.round(ms * 100) / 100;

/** Median wall time of running a command to completion, in a clean environment as in the sandbox. */
export function spawnTime(command: string, args: string[], runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    // e.g. NODE_EXTRA_CA_CERTS alone adds ~100 ms to node's start.
    const result = spawnSync(command, args, { stdio: 'ignore', env: { PATH: '/usr/bin:/bin' } });
    if (result.status !== 0) throw new Error(`${command} ${args.slice(-3).join(' ')} exited with ${result.status}`);
    times.push(performance.now() - started);
  }
  return percentile(times, 50);
}

/** Times `runs` sequential calls of `call` (after `warmup` untimed ones), in ms. */
export async function timeSequential(call: () => Promise<unknown>, runs: number, warmup: number): Promise<number[]> {
  for (let i = 0; i < warmup; i += 1) await call();
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    await call();
    times.push(performance.now() - started);
  }
  return times;
}

/** Completed calls per second with `window` calls in flight for `seconds`. */
export async function throughput(call: () => Promise<unknown>, window: number, seconds: number): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let completed = 0;
  const lane = async () => {
    while (performance.now() < deadline) {
      await call();
      completed += 1;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: window }, lane));
  return completed / ((performance.now() - started) / 1000);
}

export function pad(value: number | string, width = 12): string {
  return String(value).padEnd(width);
}

/** Runs a benchmark's main and exits with its outcome (services it started must be stopped by main). */
export function runBenchmark(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
