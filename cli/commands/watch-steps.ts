import { dim, progress } from '../client/output';
import { sleep } from './shared';

export interface StepsView {
  status: 'running' | 'succeeded' | 'failed';
  steps: Array<{ name: string; status: string; error?: string }>;
  error?: { code: string; message: string };
}

const POLL_MS = 250;

/**
 * Polls `read` until the work leaves `running`, printing each step (to stderr) when it starts and
 * when it ends, with the seconds since watching began. Resolves with the last view; a read
 * that fails rejects (the work itself goes on in the platform).
 */
export async function watchSteps<T extends StepsView>(read: () => Promise<T>, first?: T): Promise<T> {
  const started = Date.now();
  const seen = new Map<string, string>();
  const show = (view: T) => {
    for (const step of view.steps) {
      if (step.status === 'pending' || seen.get(step.name) === step.status) continue;
      seen.set(step.name, step.status);
      const seconds = dim(`${((Date.now() - started) / 1000).toFixed(1)}s`, process.stderr);
      progress(`  ${step.name.padEnd(22)} ${step.status.padEnd(11)} ${seconds}${step.error ? `  ${step.error}` : ''}`);
    }
  };
  let view = first ?? (await read());
  show(view);
  while (view.status === 'running') {
    await sleep(POLL_MS);
    view = await read();
    show(view);
  }
  return view;
}
