import type { Command } from 'commander';
import type { PrincipalView as Principal } from '../client/api-types';
import { configFile, deleteConfig, normaliseUrl, saveConfig } from '../client/config';
import { usageError } from '../client/exit-codes';
import { ApiClient } from '../client/http';
import { printFields } from '../client/output';
import { apiClient, emit, readStdin, withJson } from './shared';

function printPrincipal(url: string, principal: Principal): void {
  printFields([
    ['api', url],
    ['name', principal.name],
    ['id', principal.id],
    ['role', principal.role],
    ['functions', principal.functions ?? 'all'],
    ['expires', principal.expiresAt ?? 'never'],
    ['permissions', principal.permissions.join(', ')],
  ]);
}

/** login (checks the token with GET /v1/whoami before saving anything), logout, whoami. */
export function registerAuthCommands(program: Command): void {
  withJson(
    program
      .command('login')
      .description('check a token against the API and save both for later commands (mode 0600)')
      .requiredOption('--url <api>', "the API's base URL, e.g. http://localhost:8080")
      .option('--token <token>', 'the API token (visible to other local users in ps; prefer --token-stdin)')
      .option('--token-stdin', 'read the token from stdin'),
  ).action(async (flags: { url: string; token?: string; tokenStdin?: boolean; json?: boolean }) => {
    if (Boolean(flags.token) === Boolean(flags.tokenStdin)) throw usageError('login needs exactly one of --token <token> or --token-stdin.');
    const token = (flags.token ?? (await readStdin())).trim();
    if (!token) throw usageError('The token is empty.');
    const config = { url: normaliseUrl(flags.url), token };
    const { body } = await new ApiClient(config).request<Principal>('GET', '/v1/whoami');
    saveConfig(config);
    emit(flags, body, (principal) => console.log(`Logged in to ${config.url} as ${principal.name} (${principal.role}); saved to ${configFile()}.`));
  });

  program
    .command('logout')
    .description('forget the saved login (the token stays valid: revoke it with pyfaas tokens revoke)')
    .action(() => {
      console.log(deleteConfig() ? `Removed ${configFile()}.` : 'Not logged in; nothing to remove.');
    });

  withJson(program.command('whoami').description('the caller: role, permissions and scope of the token in use')).action(async (flags: { json?: boolean }) => {
    const client = apiClient();
    const { body } = await client.request<Principal>('GET', '/v1/whoami');
    emit(flags, body, (principal) => printPrincipal(client.config.url, principal));
  });
}
