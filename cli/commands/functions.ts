import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import type { FunctionView, VersionView } from '../client/api-types';
import { usageError } from '../client/exit-codes';
import { seg } from '../client/http';
import { printFields, printTable } from '../client/output';
import { apiClient, emit, positiveInt, withJson } from './shared';

const labels = (value: Record<string, string>) => Object.entries(value).map(([k, v]) => `${k}=${v}`).join(',');

/** Asks on a terminal; refuses (usage) when there is none to ask and --yes was not given. */
async function confirm(question: string, yes: boolean | undefined): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY) throw usageError('Not on a terminal: pass --yes to confirm.');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

/** ls, get, rm, versions: functions over /v1/functions. */
export function registerFunctionCommands(program: Command): void {
  withJson(
    program
      .command('ls')
      .description('list functions')
      .option('-l, --label <key=value...>', 'only functions with these labels')
      .option('--limit <n>', 'at most this many (default: every page)'),
  ).action(async (flags: { label?: string[]; limit?: string; json?: boolean }) => {
    const client = apiClient();
    const limit = flags.limit === undefined ? Infinity : positiveInt(flags.limit, '--limit');
    const items: FunctionView[] = [];
    let after: string | undefined;
    do {
      const params = new URLSearchParams();
      for (const label of flags.label ?? []) params.append('label', label);
      params.set('limit', String(Math.min(500, limit - items.length)));
      if (after) params.set('after', after);
      const { body } = await client.request<{ items: FunctionView[]; next?: string }>('GET', `/v1/functions?${params}`);
      items.push(...body.items);
      after = body.next;
    } while (after && items.length < limit);
    emit(flags, { items }, ({ items: rows }) =>
      printTable(rows, [
        { header: 'NAME', value: (fn) => fn.name },
        { header: 'RUNTIME', value: (fn) => fn.runtime },
        { header: 'VERSION', value: (fn) => fn.activeVersion },
        { header: 'MEMORY', value: (fn) => `${fn.memoryMb}M` },
        { header: 'TIMEOUT', value: (fn) => `${fn.timeoutMs}ms` },
        { header: 'LABELS', value: (fn) => labels(fn.labels) },
        { header: 'UPDATED', value: (fn) => fn.updatedAt },
      ], 'no functions'),
    );
  });

  withJson(program.command('get').description('one function').argument('<fn>', 'function name')).action(async (name: string, flags: { json?: boolean }) => {
    const { body } = await apiClient().request<FunctionView>('GET', `/v1/functions/${seg(name)}`);
    emit(flags, body, (fn) =>
      printFields([
        ['name', fn.name],
        ['description', fn.description],
        ['runtime', fn.runtime],
        ['handler', fn.handler],
        ['active version', fn.activeVersion],
        ['memory', `${fn.memoryMb} MB`],
        ['timeout', `${fn.timeoutMs} ms`],
        ['concurrency', fn.maxConcurrency],
        ['network', fn.allowNetwork ? 'allowed' : 'none'],
        ['labels', labels(fn.labels)],
        ['env', Object.keys(fn.env).join(', ')],
        ['created', fn.createdAt],
        ['updated', fn.updatedAt],
      ]),
    );
  });

  program
    .command('rm')
    .description('delete a function: stop accepting invocations, drain running ones, remove its code')
    .argument('<fn>', 'function name')
    .option('-y, --yes', 'do not ask')
    .action(async (name: string, flags: { yes?: boolean }) => {
      const client = apiClient();
      await client.request('GET', `/v1/functions/${seg(name)}`);
      if (!(await confirm(`Delete function ${name}?`, flags.yes))) return void console.log('Kept.');
      await client.request('DELETE', `/v1/functions/${seg(name)}`);
      console.log(`deleted ${name}`);
    });

  withJson(program.command('versions').description("a function's versions").argument('<fn>', 'function name')).action(async (name: string, flags: { json?: boolean }) => {
    const client = apiClient();
    const [{ body }, { body: fn }] = await Promise.all([
      client.request<{ items: VersionView[] }>('GET', `/v1/functions/${seg(name)}/versions`),
      client.request<FunctionView>('GET', `/v1/functions/${seg(name)}`),
    ]);
    emit(flags, body, ({ items }) =>
      printTable(items, [
        { header: 'VERSION', value: (v) => (v.number === fn.activeVersion ? `${v.number}*` : v.number) },
        { header: 'STATUS', value: (v) => v.status },
        { header: 'RUNTIME', value: (v) => v.config.runtime },
        { header: 'HANDLER', value: (v) => v.config.handler },
        { header: 'CODE', value: (v) => v.codeHash.slice(0, 12) },
        { header: 'CREATED', value: (v) => v.createdAt },
        { header: 'ERROR', value: (v) => v.error },
      ], 'no versions'),
    );
  });
}
