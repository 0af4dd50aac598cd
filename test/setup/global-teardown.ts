import { rmSync } from 'node:fs';

/** Stops what global-setup started and removes this run's state. */
export default async function globalTeardown(): Promise<void> {
  const started = globalThis.__pyfaasTestStack;
  if (!started) return;
  await started.stack?.stop();
  rmSync(started.stateDir, { recursive: true, force: true });
}
