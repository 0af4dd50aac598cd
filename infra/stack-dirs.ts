import { mkdtempSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports';

/**
 * A fresh data dir for a `pyfaas up` of its own (tests, the chaos run) whose provisioned
 * tools (Temporal CLI, Kafka jars) are links to those already in `cachedDataDir`.
 */
export function dataDirWithCachedTools(cachedDataDir: string, prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  symlinkSync(path.join(cachedDataDir, 'bin'), path.join(dir, 'bin'));
  symlinkSync(path.join(cachedDataDir, 'kafka'), path.join(dir, 'kafka'));
  return dir;
}

/**
 * Free ports for every service `pyfaas up` starts, as the variables that move them; PostgreSQL's
 * when asked, or when PYFAAS_TEMPORAL=server makes `up` start it for the Temporal server.
 */
export async function stackPorts(withPostgres = false): Promise<Record<string, string>> {
  const names = ['PYFAAS_TEMPORAL_PORT', 'PYFAAS_TEMPORAL_UI_PORT', 'PYFAAS_KAFKA_PORT', 'PYFAAS_KAFKA_CONTROLLER_PORT', 'PYFAAS_API_PORT', 'PYFAAS_HUB_PORT'];
  if (withPostgres || process.env.PYFAAS_TEMPORAL === 'server') names.push('PYFAAS_POSTGRES_PORT');
  const ports: Record<string, string> = {};
  for (const name of names) ports[name] = String(await freePort());
  return ports;
}
