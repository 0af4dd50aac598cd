import { DefaultLogger, Runtime } from '@temporalio/worker';

let installed = false;

/**
 * Installs the Temporal runtime for a test file: no signal handlers (jest owns the
 * process) and only warnings logged. Must run before any Worker or NativeConnection.
 */
export function installTestRuntime(): void {
  if (installed) return;
  try {
    Runtime.install({ shutdownSignals: [], logger: new DefaultLogger('WARN') });
  } catch {
    // another test file in this process installed it already
  }
  installed = true;
}
