import type { Command } from 'commander';
import { usageError } from '../client/exit-codes';
import { apiError, seg, withQuery } from '../client/http';
import { dim, printJson } from '../client/output';
import { readEvents } from './sse';
import { apiClient, positiveInt } from './shared';

interface LogLine {
  at: string;
  invocationId: string;
  version?: number;
  attempt?: number;
  stream: 'stdout' | 'stderr' | string;
  line: string;
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since` as the API takes it (an ISO time): 10m, 2h, 1d back from now, or an ISO time as is. */
export function sinceParam(value: string | undefined, now = Date.now()): string | undefined {
  if (value === undefined) return undefined;
  const relative = /^(\d+)([smhd])$/.exec(value);
  if (relative) return new Date(now - Number(relative[1]) * UNITS[relative[2]]).toISOString();
  if (!Number.isNaN(Date.parse(value))) return new Date(value).toISOString();
  throw usageError(`--since takes a duration (30s, 10m, 2h, 1d) or an ISO time (got ${JSON.stringify(value)}).`);
}

function printLine(entry: LogLine, json: boolean | undefined): void {
  if (json) return void console.log(JSON.stringify(entry));
  const where = dim(`${entry.at} ${entry.invocationId}${entry.version ? ` v${entry.version}` : ''}`);
  console.log(`${where} ${entry.stream === 'stderr' ? 'ERR ' : ''}${entry.line}`);
}

/**
 * logs <fn>: the function's captured output across invocations, newest last; -f follows the
 * server-sent stream (the backlog, then live lines) until Ctrl-C or the server ends it.
 */
export function registerLogsCommand(program: Command): void {
  program
    .command('logs')
    .description("a function's captured stdout/stderr across invocations; -f follows live lines")
    .argument('<fn>', 'function name')
    .option('-f, --follow', 'keep printing new lines as invocations write them')
    .option('--since <when>', 'only lines from then: 30s, 10m, 2h, 1d or an ISO time')
    .option('--limit <n>', 'at most this many lines of backlog')
    .option('--json', 'the API JSON as is; with -f, one JSON line per log line')
    .action(async (name: string, flags: { follow?: boolean; since?: string; limit?: string; json?: boolean }) => {
      const client = apiClient();
      const query = { since: sinceParam(flags.since), limit: flags.limit === undefined ? undefined : positiveInt(flags.limit, '--limit') };
      const pathname = `/v1/functions/${seg(name)}/logs`;
      if (!flags.follow) {
        const { body } = await client.request<{ items: LogLine[]; next?: string }>('GET', pathname, { query });
        if (flags.json) return printJson(body);
        for (const entry of body.items) printLine(entry, false);
        return;
      }
      const response = await client.open('GET', withQuery(pathname, { ...query, follow: true }), { headers: { accept: 'text/event-stream' } });
      if ((response.statusCode ?? 0) >= 300) {
        let text = '';
        for await (const chunk of response) text += chunk;
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        throw apiError(response.statusCode ?? 0, body, text);
      }
      process.once('SIGINT', () => {
        response.destroy();
        process.exit(0);
      });
      for await (const event of readEvents(response)) {
        if (event.event && event.event !== 'message' && event.event !== 'log') continue;
        try {
          printLine(JSON.parse(event.data) as LogLine, flags.json);
        } catch {
          // a data line that is not JSON is not a log line: nothing to print
        }
      }
    });
}
