import type { Command } from 'commander';
import type { TokenCreated, TokenView } from '../client/api-types';
import { seg } from '../client/http';
import { printTable } from '../client/output';
import { apiClient, emit, positiveInt, withJson } from './shared';

/** tokens ls/create/revoke over /v1/tokens (admins). */
export function registerTokenCommands(program: Command): void {
  const tokens = program.command('tokens').description('API tokens (admins)');

  withJson(tokens.command('ls').description('list tokens (never the tokens themselves)').option('--all', 'revoked ones too')).action(
    async (flags: { all?: boolean; json?: boolean }) => {
      const { body } = await apiClient().request<{ items: TokenView[] }>('GET', '/v1/tokens', { query: { includeRevoked: flags.all ? true : undefined } });
      emit(flags, body, ({ items }) =>
        printTable(items, [
          { header: 'ID', value: (t) => t.id },
          { header: 'NAME', value: (t) => t.name },
          { header: 'ROLE', value: (t) => t.role },
          { header: 'HINT', value: (t) => t.hint },
          { header: 'FUNCTIONS', value: (t) => t.functions ?? 'all' },
          { header: 'EXPIRES', value: (t) => t.expiresAt ?? 'never' },
          { header: 'REVOKED', value: (t) => t.revokedAt },
          { header: 'LAST USED', value: (t) => t.lastUsedAt },
        ], 'no tokens'),
      );
    },
  );

  withJson(
    tokens
      .command('create')
      .description('create a token; it is printed this once')
      .requiredOption('--name <name>', 'what it is for')
      .requiredOption('--role <role>', 'admin, module-developer or invoker')
      .option('--permission <permission...>', "narrow the role to these of its permissions")
      .option('--fn <name...>', 'only these functions')
      .option('--expires-in-days <n>', 'expire after this many days'),
  ).action(async (flags: { name: string; role: string; permission?: string[]; fn?: string[]; expiresInDays?: string; json?: boolean }) => {
    const request = {
      name: flags.name,
      role: flags.role,
      permissions: flags.permission,
      functions: flags.fn ? { names: flags.fn } : undefined,
      expiresInDays: flags.expiresInDays === undefined ? undefined : positiveInt(flags.expiresInDays, '--expires-in-days'),
    };
    const { body } = await apiClient().request<TokenCreated>('POST', '/v1/tokens', { body: request });
    emit(flags, body, (t) => {
      console.log(t.token);
      process.stderr.write(`created token ${t.id} (${t.role}); it is not shown again\n`);
    });
  });

  tokens
    .command('revoke')
    .description('revoke a token on every process')
    .argument('<id>', 'token id')
    .action(async (id: string) => {
      await apiClient().request('DELETE', `/v1/tokens/${seg(id)}`);
      console.log(`revoked ${id}`);
    });
}
