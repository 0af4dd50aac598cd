import type { Command } from 'commander';
import type { AliasView } from '../client/api-types';
import { usageError } from '../client/exit-codes';
import { seg } from '../client/http';
import { printTable } from '../client/output';
import { apiClient, emit, positiveInt, withJson } from './shared';

/** `3` → version 3 with all the traffic; `3=90` → 90 percent. */
export function parseRoute(text: string): { version: number; weight: number } {
  const [version, weight, extra] = text.split('=');
  if (extra !== undefined || !version) throw usageError(`A route is <version> or <version>=<weight> (got ${JSON.stringify(text)}).`);
  const percent = weight === undefined ? 100 : Number(weight);
  if (!Number.isInteger(percent) || percent < 0 || percent > 100) throw usageError(`The weight in ${JSON.stringify(text)} must be a whole percent, 0 to 100.`);
  return { version: positiveInt(version, 'version'), weight: percent };
}

const routes = (alias: AliasView) => alias.versions.map((r) => `v${r.version}:${r.weight}%`).join(' ');

/** aliases ls/set/rm over /v1/functions/{fn}/aliases. */
export function registerAliasCommands(program: Command): void {
  const aliases = program.command('aliases').description('named pointers to one or two versions of a function, with weights');

  withJson(aliases.command('ls').description("a function's aliases").argument('<fn>', 'function name')).action(async (fn: string, flags: { json?: boolean }) => {
    const { body } = await apiClient().request<{ items: AliasView[] }>('GET', `/v1/functions/${seg(fn)}/aliases`);
    emit(flags, body, ({ items }) =>
      printTable(items, [
        { header: 'ALIAS', value: (a) => a.name },
        { header: 'ROUTES', value: routes },
        { header: 'UPDATED', value: (a) => a.updatedAt },
      ], 'no aliases'),
    );
  });

  withJson(
    aliases
      .command('set')
      .description('create or replace an alias: `set hello live 3` or `set hello live 3=90 4=10`')
      .argument('<fn>', 'function name')
      .argument('<alias>', 'alias name')
      .argument('<routes...>', '<version>[=<weight>], weights summing to 100'),
  ).action(async (fn: string, alias: string, routeArgs: string[], flags: { json?: boolean }) => {
    const { body } = await apiClient().request<AliasView>('PUT', `/v1/functions/${seg(fn)}/aliases/${seg(alias)}`, { body: { versions: routeArgs.map(parseRoute) } });
    emit(flags, body, (a) => console.log(`${a.functionName}:${a.name} → ${routes(a)}`));
  });

  aliases
    .command('rm')
    .description('delete an alias')
    .argument('<fn>', 'function name')
    .argument('<alias>', 'alias name')
    .action(async (fn: string, alias: string) => {
      await apiClient().request('DELETE', `/v1/functions/${seg(fn)}/aliases/${seg(alias)}`);
      console.log(`deleted alias ${fn}:${alias}`);
    });
}
