import type { Command } from 'commander';
import type { HubModule, Installation, ModuleView } from '../client/api-types';
import { CliError, EXIT } from '../client/exit-codes';
import { seg } from '../client/http';
import { printJson, printTable, progress } from '../client/output';
import { apiClient, emit, withJson } from './shared';
import { watchSteps, type StepsView } from './watch-steps';

/** modules ls/search/install/uninstall: the platform's side of the Module Hub (admins). */
export function registerModuleCommands(program: Command): void {
  const modules = program.command('modules').description('modules the platform serves, and the hub (for writing modules: pyfaas module)');

  withJson(modules.command('ls').description('built-in and installed modules')).action(async (flags: { json?: boolean }) => {
    const { body } = await apiClient().request<{ items: ModuleView[] }>('GET', '/v1/modules');
    emit(flags, body, ({ items }) =>
      printTable(items, [
        { header: 'KIND', value: (m) => m.kind },
        { header: 'ID', value: (m) => m.id },
        { header: 'VERSION', value: (m) => m.version },
        { header: 'SOURCE', value: (m) => m.source },
        { header: 'PACKAGE', value: (m) => m.package },
        { header: 'USED BY', value: (m) => m.usedBy.length },
        { header: 'DESCRIPTION', value: (m) => m.description },
      ], 'no modules'),
    );
  });

  withJson(modules.command('search').description('search the hub').argument('[words]', 'what to look for').option('--kind <kind>', 'only this kind')).action(
    async (words: string | undefined, flags: { kind?: string; json?: boolean }) => {
      const { body } = await apiClient().request<{ items: HubModule[] }>('GET', '/v1/hub/modules', { query: { q: words, kind: flags.kind } });
      emit(flags, body, ({ items }) =>
        printTable(items, [
          { header: 'PACKAGE', value: (m) => m.package },
          { header: 'VERSION', value: (m) => m.version },
          { header: 'KIND', value: (m) => m.kind },
          { header: 'ID', value: (m) => m.id },
          { header: 'DESCRIPTION', value: (m) => m.description },
        ], 'no matching modules'),
      );
    },
  );

  modules
    .command('install')
    .description('install a hub module version on every process (an upgrade or a rollback too), following its steps')
    .argument('<package>', 'the hub package')
    .argument('<version>', 'the version to install')
    .option('--json', 'print the final installation as JSON')
    .action(async (pkg: string, version: string, flags: { json?: boolean }) => {
      const client = apiClient();
      progress(`installing ${pkg}@${version}`);
      const { body } = await client.request<Installation>('POST', '/v1/modules', { query: { wait: false }, body: { package: pkg, version } });
      const read = async () => (await client.request<Installation>('GET', `/v1/modules/installations/${seg(body.installationId)}`)).body;
      const final = await watchSteps(read, body.steps.length > 0 ? body : undefined);
      if (flags.json) printJson(final);
      if (final.status === 'failed') throw new CliError(final.error?.code ?? 'INSTALL_FAILED', `installing ${pkg}@${version} failed: ${final.error?.message ?? 'see the steps above'}`, EXIT.failed);
      if (!flags.json) console.log(`installed ${pkg}@${version}`);
    });

  withJson(modules.command('uninstall').description('uninstall a hub module (refused while in use)').argument('<kind>', 'e.g. scaling').argument('<id>', 'module id')).action(
    async (kind: string, id: string, flags: { json?: boolean }) => {
      const { body } = await apiClient().request<ModuleView>('DELETE', `/v1/modules/${seg(kind)}/${seg(id)}`);
      emit(flags, body, (m) => console.log(`uninstalled ${m.kind}/${m.id} ${m.version}`));
    },
  );
}
