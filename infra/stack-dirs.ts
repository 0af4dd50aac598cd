import { chmodSync, mkdtempSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports';

/**
 * A fresh data dir for a `pyfaas up` of its own (tests, the chaos run) whose provisioned
 * tools (Temporal CLI, Kafka jars) are links to those already in `cachedDataDir`.
 */
export function dataDirWithCachedTools(cachedDataDir: string, prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  chmodSync(dir, 0o755); // PostgreSQL (PYFAAS_POSTGRES, or the Temporal server's) runs as its own user and must reach its cluster below
  symlinkSync(path.join(cachedDataDir, 'bin'), path.join(dir, 'bin'));
  symlinkSync(path.join(cachedDataDir, 'kafka'), path.join(dir, 'kafka'));
  return dir;
}

/**
 * Free ports for every service `pyfaas up` starts, as the variables that move them, PostgreSQL's
 * included (used only when `up` starts it: PYFAAS_POSTGRES=true, or PYFAAS_TEMPORAL=server).
 */
export async function stackPorts(): Promise<Record<string, string>> {
  const names = ['PYFAAS_TEMPORAL_PORT', 'PYFAAS_TEMPORAL_UI_PORT', 'PYFAAS_KAFKA_PORT', 'PYFAAS_KAFKA_CONTROLLER_PORT', 'PYFAAS_API_PORT', 'PYFAAS_HUB_PORT', 'PYFAAS_POSTGRES_PORT'];
  const ports: Record<string, string> = {};
  for (const name of names) ports[name] = String(await freePort());
  return ports;
}
