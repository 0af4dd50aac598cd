import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../common/paths';

/** The parts of a V8 `.cpuprofile` (what `node --cpu-prof` writes) read here. */
interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Non-idle CPU inside the window, in ms. */
  busyMs: number;
  /** Self time by package (or PyFaaS folder, or V8/Node category), in ms, largest first. */
  byPackage: Array<[string, number]>;
  /** Self time by function, in ms, largest first. */
  byFunction: Array<[string, number]>;
}

const NOT_CPU = new Set(['(idle)', '(root)']);

/** Where a frame's code comes from: an npm package, a PyFaaS folder, Node's own code, or V8 (GC, program). */
export function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const file = url.replace(/^file:\/\//, '');
  const modules = file.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const [scope, name] = file.slice(modules + '/node_modules/'.length).split('/');
    return scope.startsWith('@') ? `${scope}/${name}` : scope;
  }
  if (file.endsWith('workflow-bundle.js')) return 'PyFaaS workflow bundle (SDK + workflows)';
  const relative = path.relative(path.join(PACKAGE_ROOT, 'dist'), file);
  return relative.startsWith('..') ? file : `pyfaas/${relative.split(path.sep)[0]}`;
}

/**
 * Self time per package and per function of the samples taken between `fromUs` and `toUs`
 * (V8's monotonic clock, the one `process.hrtime` reads). A sample's time is the delta to
 * the next one.
 */
export function summarizeProfile(file: string, fromUs: number, toUs: number): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busyUs = 0;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i += 1) {
    at += profile.timeDeltas[i];
    const spent = profile.timeDeltas[i + 1] ?? 0;
    if (at < fromUs || at > toUs) continue;
    const frame = frames.get(profile.samples[i])!;
    if (NOT_CPU.has(frame.functionName)) continue;
    busyUs += spent;
    const pkg = packageOf(frame.url, frame.functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + spent);
    const where = frame.url ? ` ${path.basename(frame.url)}:${frame.lineNumber + 1}` : '';
    const name = `${frame.functionName || '(anonymous)'}${where} [${pkg}]`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + spent);
  }
  const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]).map(([key, us]) => [key, us / 1000] as [string, number]);
  return { busyMs: busyUs / 1000, byPackage: sorted(byPackage), byFunction: sorted(byFunction) };
}
