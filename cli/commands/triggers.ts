import type { Command } from 'commander';
import type { TriggerCreated, TriggerView } from '../client/api-types';
import { usageError } from '../client/exit-codes';
import { seg } from '../client/http';
import { printFields, printTable } from '../client/output';
import { apiClient, emit, parseJsonOption, withJson } from './shared';

/** triggers ls/get/create/rm over /v1/triggers (http, kafka, schedule and installed kinds). */
export function registerTriggerCommands(program: Command): void {
  const triggers = program.command('triggers').description('HTTP routes, Kafka topics, schedules… that invoke functions');

  withJson(triggers.command('ls').description('list triggers').option('--fn <name>', 'only this function').option('--kind <kind>', 'only this kind')).action(
    async (flags: { fn?: string; kind?: string; json?: boolean }) => {
      const { body } = await apiClient().request<{ items: TriggerView[] }>('GET', '/v1/triggers', { query: { function: flags.fn, kind: flags.kind } });
      emit(flags, body, ({ items }) =>
        printTable(items, [
          { header: 'NAME', value: (t) => t.name },
          { header: 'KIND', value: (t) => t.kind },
          { header: 'FUNCTION', value: (t) => t.function },
          { header: 'PAUSED', value: (t) => (t.paused ? 'yes' : 'no') },
          { header: 'CONFIG', value: (t) => t.config },
        ], 'no triggers'),
      );
    },
  );

  withJson(triggers.command('get').description("one trigger, with its kind's live state").argument('<name>', 'trigger name')).action(
    async (name: string, flags: { json?: boolean }) => {
      const { body } = await apiClient().request<TriggerView & Record<string, unknown>>('GET', `/v1/triggers/${seg(name)}`);
      emit(flags, body, (t) => printFields(Object.entries(t)));
    },
  );

  withJson(
    triggers
      .command('create')
      .description('create a trigger')
      .argument('<name>', 'trigger name')
      .requiredOption('--kind <kind>', 'http, kafka, schedule or an installed kind')
      .requiredOption('--fn <name>', 'the function it invokes')
      .option('--config <json>', "the kind's configuration, e.g. '{\"method\":\"POST\",\"path\":\"/hello\"}'", '{}')
      .option('--paused', 'create it paused')
      .option('--description <text>', 'what it is for'),
  ).action(async (name: string, flags: { kind: string; fn: string; config: string; paused?: boolean; description?: string; json?: boolean }) => {
    const config = parseJsonOption(flags.config, '--config');
    if (typeof config !== 'object' || config === null || Array.isArray(config)) throw usageError('--config must be a JSON object.');
    const request = { name, kind: flags.kind, function: flags.fn, config, paused: flags.paused, description: flags.description };
    const { body } = await apiClient().request<TriggerCreated>('POST', '/v1/triggers', { body: request });
    emit(flags, body, ({ trigger, apiKey }) => {
      console.log(`created ${trigger.kind} trigger ${trigger.name} → ${trigger.function}`);
      if (apiKey) console.log(`API key (shown once): ${apiKey}`);
    });
  });

  triggers
    .command('rm')
    .description('delete a trigger')
    .argument('<name>', 'trigger name')
    .action(async (name: string) => {
      await apiClient().request('DELETE', `/v1/triggers/${seg(name)}`);
      console.log(`deleted trigger ${name}`);
    });
}
