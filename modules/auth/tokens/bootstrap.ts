import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../../../common/errors';
import type { Logger } from '../../../common/logger';
import { checkTokenFormat } from './format';
import type { TokenService } from './service';

export const BOOTSTRAP_TOKEN_NAME = 'bootstrap-admin';
export const ADMIN_TOKEN_FILE = 'admin-token';

export interface EnsureAdminTokenDeps {
  tokens: TokenService;
  dataDir: string;
  /** PYFAAS_ADMIN_TOKEN, when the operator chose the admin token's value. */
  configuredToken?: string;
  logger: Logger;
}

/**
 * Makes sure a fresh platform has a way in. With a configured token, that token is stored as
 * the `bootstrap-admin` admin token unless it already is (a revoked one stays revoked: the
 * variable cannot undo a revocation). Without one, and only while no token exists at all, a
 * new admin token is made and written to `<dataDir>/admin-token` (mode 0600), and returned
 * as `created`. The file's path is always returned. Throws InputError when the configured
 * token is not a PyFaaS token.
 */
export async function ensureAdminToken(deps: EnsureAdminTokenDeps): Promise<{ file: string; created?: string }> {
  const { tokens, dataDir, configuredToken, logger } = deps;
  const file = path.join(dataDir, ADMIN_TOKEN_FILE);
  const fields = { name: BOOTSTRAP_TOKEN_NAME, role: 'admin', createdBy: 'bootstrap' } as const;

  if (configuredToken !== undefined) {
    if (!checkTokenFormat(configuredToken)) {
      throw new InputError('PYFAAS_ADMIN_TOKEN is not a PyFaaS token (pyf_… with a valid checksum); make one with `node dist/cli/pyfaas.js new-token`.');
    }
    const { record, created } = await tokens.ensure(configuredToken, fields);
    if (created) logger.info({ tokenId: record.id }, 'stored PYFAAS_ADMIN_TOKEN as the bootstrap admin token');
    if (record.revokedAt) {
      logger.warn({ tokenId: record.id, revokedAt: record.revokedAt }, 'PYFAAS_ADMIN_TOKEN names a revoked token; it stays revoked and will be refused');
    } else if (record.role !== 'admin') {
      logger.warn({ tokenId: record.id, role: record.role }, `PYFAAS_ADMIN_TOKEN names an existing ${record.role} token, not an admin one; it keeps its role`);
    }
    return { file };
  }

  // Only a store without any token gets one: once an admin has made or revoked tokens, a restart must not add a way in.
  if ((await tokens.count()) > 0) return { file };
  const { token, record } = await tokens.create({ name: fields.name, role: fields.role }, fields.createdBy);
  writeSecret(file, token);
  logger.warn({ tokenId: record.id, file }, `created the first admin token; it is in ${file} (readable by this user only)`);
  return { file, created: token };
}

/**
 * Writes the token to a new file created with mode 0600 and renames it into place, so the
 * secret is never readable by others, not even for a moment, and an old file of wider mode
 * is replaced rather than reused.
 */
function writeSecret(file: string, token: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeFileSync(temporary, `${token}\n`, { mode: 0o600, flag: 'wx' });
    renameSync(temporary, file);
  } catch (err) {
    rmSync(temporary, { force: true });
    throw err;
  }
}
