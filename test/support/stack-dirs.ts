import { mkdtempSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../infra/ports';
import { REPO_DATA_DIR } from './services';

/** A data dir of its own for a `pyfaas up` under test, whose provisioned tools are the repo's cached ones. */
export function dataDirWithCachedTools(prefix = 'pyfaas-up-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  symlinkSync(path.join(REPO_DATA_DIR, 'bin'), path.join(dir, 'bin'));
  symlinkSync(path.join(REPO_DATA_DIR, 'kafka'), path.join(dir, 'kafka'));
  return dir;
}

/** Free ports for every service `pyfaas up` starts, as the variables that move them. */
export async function stackPorts() {
  return {
    PYFAAS_TEMPORAL_PORT: String(await freePort()),
    PYFAAS_TEMPORAL_UI_PORT: String(await freePort()),
    PYFAAS_KAFKA_PORT: String(await freePort()),
    PYFAAS_KAFKA_CONTROLLER_PORT: String(await freePort()),
    PYFAAS_API_PORT: String(await freePort()),
  };
}
