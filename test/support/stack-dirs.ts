import { dataDirWithCachedTools as withCachedTools } from '../../infra/stack-dirs';
import { REPO_DATA_DIR } from './services';

export { stackPorts } from '../../infra/stack-dirs';

/** A data dir of its own for a `pyfaas up` under test, whose provisioned tools are the repo's cached ones. */
export function dataDirWithCachedTools(prefix = 'pyfaas-up-'): string {
  return withCachedTools(REPO_DATA_DIR, prefix);
}
