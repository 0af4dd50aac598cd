/**
 * Where the PyFaaS process spends its CPU on warm sync invocations: runs bench/profile-load.ts
 * under `node --cpu-prof` (every thread: the main one with the API, client and activities; the
 * workflow thread) and prints, per thread, the self time of the top packages and functions in
 * ms per invocation, counting only the samples taken while the load ran.
 *
 *   npm run bench:profile              (= npm run build && node dist/bench/profile.js)
 *   node dist/bench/profile.js [--clients 32] [--seconds 20] [--top 25]
 *
 * The profiles stay in .pyfaas/profiles/<time>/ (open them in Chrome DevTools, Performance).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../common/paths';
import { summarizeProfile, type ProfileSummary } from './cpuprofile';
import type { MeasuredLoad } from './load';
import { option, round, runBenchmark } from './stats';

const CLIENTS = option('clients', 32);
const SECONDS = option('seconds', 20);
const TOP = option('top', 25);

function profileLoad(dir: string): Promise<{ fromUs: number; toUs: number; load: MeasuredLoad }> {
  const args = ['--cpu-prof', '--cpu-prof-dir', dir, path.join(__dirname, 'profile-load.js'), '--clients', String(CLIENTS), '--seconds', String(SECONDS)];
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, args, { maxBuffer: 16 << 20 }, (err, stdout) => {
      if (err) reject(new Error(`the profiled process failed: ${err.message}`));
      else resolve(JSON.parse(stdout.split('\n').find((line) => line.startsWith('{"fromUs"'))!));
    });
    child.stderr!.pipe(process.stderr);
  });
}

/** The workflow thread is the one that ran the bundle; the main thread is the other one with the most CPU. */
function threadName(summary: ProfileSummary): string {
  return summary.byPackage.some(([pkg]) => pkg.includes('workflow bundle')) ? 'workflow thread' : 'main thread (API, client, activities)';
}

function print(file: string, summary: ProfileSummary, calls: number): void {
  const perCall = (ms: number) => round(ms / calls).toFixed(3).padStart(7);
  const share = (ms: number) => `${((100 * ms) / summary.busyMs).toFixed(1).padStart(5)} %`;
  console.log(`\n${threadName(summary)} — ${path.basename(file)}: ${perCall(summary.busyMs)} ms CPU per invocation`);
  console.log('  self time by package                                   ms/call   share');
  for (const [pkg, ms] of summary.byPackage.slice(0, 12)) console.log(`  ${pkg.padEnd(54)}${perCall(ms)}  ${share(ms)}`);
  console.log('  self time by function');
  for (const [name, ms] of summary.byFunction.slice(0, TOP)) console.log(`  ${name.slice(0, 100).padEnd(100)}${perCall(ms)}  ${share(ms)}`);
}

async function main(): Promise<void> {
  const dir = path.join(PACKAGE_ROOT, '.pyfaas', 'profiles', new Date().toISOString().replace(/[:.]/g, '-'));
  mkdirSync(dir, { recursive: true });
  const { fromUs, toUs, load } = await profileLoad(dir);
  console.log(`\n${CLIENTS} clients, ${SECONDS} s: ${load.completed} invocations, ${load.perSecond}/s, p50 ${load.p50Ms} ms, p99 ${load.p99Ms} ms; ` +
    `CPU ms per call (from /proc): PyFaaS ${load.cpuMsPerCall.process}, Temporal ${load.cpuMsPerCall.temporal}, sandboxes ${load.cpuMsPerCall.sandboxes}; ` +
    `paths: ${JSON.stringify(load.paths ?? {})}`);
  const summaries = readdirSync(dir).filter((file) => file.endsWith('.cpuprofile'))
    .map((file) => ({ file, summary: summarizeProfile(path.join(dir, file), fromUs, toUs) }))
    .filter(({ summary }) => summary.busyMs > 0)
    .sort((a, b) => b.summary.busyMs - a.summary.busyMs);
  for (const { file, summary } of summaries) print(file, summary, Math.max(1, load.completed));
  console.log(`\nprofiles: ${dir}`);
}

runBenchmark(main);
