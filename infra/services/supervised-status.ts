import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The status file `pyfaas up` keeps in `<dataDir>/run/services.json`: what the supervisor
 * knows about each service (state, restarts, last exit). The PyFaaS process reads it for
 * /readyz; nothing here imports either side.
 */

/**
 * `starting`: spawned, not yet healthy. `restarting`: died, waiting out the backoff.
 * `failed`: died too often; the supervisor gave up. `stopped`: stopped on request.
 */
export type ServiceState = 'starting' | 'running' | 'restarting' | 'stopping' | 'stopped' | 'failed';

export interface ServiceExit {
  /** The exit code, or null when a signal ended it (or it never got to run). */
  code: number | null;
  signal: string | null;
  /** ISO time. */
  at: string;
  /** One line: "killed by SIGKILL", "exited with code 1", or why a restart did not come up. */
  reason: string;
}

export interface ServiceStatus {
  name: string;
  state: ServiceState;
  pid?: number;
  /** Restarts since `pyfaas up` started (not counting the first start). */
  restarts: number;
  /** ISO time the current process became healthy. */
  since?: string;
  lastExit?: ServiceExit;
  /** ISO time of the next start while `restarting`. */
  nextStartAt?: string;
}

export interface ServicesStatusFile {
  supervisorPid: number;
  updatedAt: string;
  services: ServiceStatus[];
}

export function servicesStatusPath(dataDir: string): string {
  return path.join(dataDir, 'run', 'services.json');
}

/** Writes atomically (temp file, then rename), so a reader never sees half a file. */
export function writeServicesStatus(dataDir: string, status: ServicesStatusFile): void {
  const file = servicesStatusPath(dataDir);
  mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(status, null, 2));
  renameSync(temp, file);
}

/** The status, or undefined when there is no file. Throws when the file is not valid JSON. */
export function readServicesStatus(dataDir: string): ServicesStatusFile | undefined {
  let text: string;
  try {
    text = readFileSync(servicesStatusPath(dataDir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return JSON.parse(text) as ServicesStatusFile;
}

export function removeServicesStatus(dataDir: string): void {
  rmSync(servicesStatusPath(dataDir), { force: true });
}
