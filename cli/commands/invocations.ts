import type { Command } from 'commander';
import type { InvocationView } from '../client/api-types';
import { seg } from '../client/http';
import { printFields, printTable } from '../client/output';
import { apiClient, emit, positiveInt, withJson } from './shared';

/** invocations (list, newest first) and invocation <id> (one, with its result, error and logs). */
export function registerInvocationCommands(program: Command): void {
  withJson(
    program
      .command('invocations')
      .description('list invocations, newest first')
      .option('--fn <name>', 'only this function')
      .option('--status <status>', 'queued, running, succeeded, failed, timed_out or cancelled')
      .option('--limit <n>', 'at most this many (default 50)'),
  ).action(async (flags: { fn?: string; status?: string; limit?: string; json?: boolean }) => {
    const query = { function: flags.fn, status: flags.status, limit: flags.limit === undefined ? undefined : positiveInt(flags.limit, '--limit') };
    const { body } = await apiClient().request<{ items: InvocationView[]; nextPageToken?: string }>('GET', '/v1/invocations', { query });
    emit(flags, body, ({ items }) =>
      printTable(items, [
        { header: 'INVOCATION', value: (i) => i.invocationId },
        { header: 'FUNCTION', value: (i) => i.functionName },
        { header: 'VERSION', value: (i) => i.version },
        { header: 'STATUS', value: (i) => i.status },
        { header: 'MODE', value: (i) => i.mode },
        { header: 'TRIGGER', value: (i) => i.trigger },
        { header: 'DURATION', value: (i) => (i.durationMs === undefined ? undefined : `${i.durationMs.toFixed(1)}ms`) },
        { header: 'STARTED', value: (i) => i.startedAt },
      ], 'no invocations'),
    );
  });

  withJson(program.command('invocation').description('one invocation: status, result or error, logs').argument('<id>', 'invocation id')).action(
    async (id: string, flags: { json?: boolean }) => {
      const { body } = await apiClient().request<InvocationView>('GET', `/v1/invocations/${seg(id)}`);
      emit(flags, body, (i) => {
        printFields([
          ['invocation', i.invocationId],
          ['function', `${i.functionName}${i.version ? ` v${i.version}` : ''}`],
          ['status', i.status],
          ['mode', i.mode],
          ['trigger', i.trigger],
          ['attempts', i.attempts],
          ['cold start', i.coldStart],
          ['duration', i.durationMs === undefined ? undefined : `${i.durationMs.toFixed(1)} ms`],
          ['started', i.startedAt],
          ['finished', i.finishedAt],
          ['result', i.result],
          ['error', i.error ? `${i.error.type}: ${i.error.message}` : undefined],
        ]);
        if (i.logs?.stdout || i.logs?.stderr) console.log(`\n${i.logs.stdout}${i.logs.stderr}`.trimEnd());
      });
    },
  );
}
