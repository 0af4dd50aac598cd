import type http from 'node:http';
import type { Command } from 'commander';
import { usageError } from '../client/exit-codes';
import { apiError, seg, withQuery, type ApiClient, type Query } from '../client/http';
import { dim, printJson } from '../client/output';
import { readEvents } from './sse';
import { apiClient, positiveInt, sleep } from './shared';

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

interface LogsFlags {
  follow?: boolean;
  since?: string;
  limit?: string;
  invocation?: string;
  stream?: string;
  json?: boolean;
}

/** How long to wait before following again after the server dropped the stream. */
const RESUME_MS = 1000;

/** Opens the SSE stream; an answer other than 2xx becomes the API's error (404, 403, 429 TOO_MANY_FOLLOWERS…). */
async function openStream(client: ApiClient, pathname: string, query: Query, lastEventId: string | undefined): Promise<http.IncomingMessage> {
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (lastEventId) headers['last-event-id'] = lastEventId;
  const response = await client.open('GET', withQuery(pathname, { ...query, follow: true }), { headers });
  if ((response.statusCode ?? 0) < 300) return response;
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

/**
 * Prints the stream's lines until Ctrl-C. When the server ends the stream (a restart, a
 * proxy timeout) it follows again from the last event it printed (Last-Event-ID), so no line
 * is lost or repeated; a refusal when reopening (the function was deleted) ends it.
 */
async function follow(client: ApiClient, pathname: string, query: Query, json: boolean | undefined): Promise<never> {
  let lastEventId: string | undefined;
  let response: http.IncomingMessage | undefined;
  process.once('SIGINT', () => {
    response?.destroy();
    process.exit(0);
  });
  for (;;) {
    response = await openStream(client, pathname, query, lastEventId);
    try {
      for await (const event of readEvents(response)) {
        if (event.event && event.event !== 'message') continue;
        let entry: LogLine;
        try {
          entry = JSON.parse(event.data) as LogLine;
        } catch {
          continue; // a data line that is not JSON is not a log line
        }
        printLine(entry, json);
        if (event.id) lastEventId = event.id;
      }
    } catch {
      // the connection dropped: follow again below
    }
    if (!json) process.stderr.write(dim('[stream ended; following again]\n', process.stderr));
    await sleep(RESUME_MS);
  }
}

/**
 * logs <fn>: the function's captured output across invocations, newest last; -f follows the
 * server-sent stream (the backlog, then live lines) until Ctrl-C.
 */
export function registerLogsCommand(program: Command): void {
  program
    .command('logs')
    .description("a function's captured stdout/stderr across invocations; -f follows live lines")
    .argument('<fn>', 'function name')
    .option('-f, --follow', 'keep printing new lines as invocations write them (Ctrl-C stops)')
    .option('--since <when>', 'only lines from then: 30s, 10m, 2h, 1d or an ISO time')
    .option('--limit <n>', 'at most this many lines of backlog (the API default is 100)')
    .option('--invocation <id>', "only this invocation's lines")
    .option('--stream <stream>', 'only stdout or stderr')
    .option('--json', 'the API JSON as is; with -f, one JSON line per log line')
    .action(async (name: string, flags: LogsFlags) => {
      const client = apiClient();
      const query: Query = {
        since: sinceParam(flags.since),
        limit: flags.limit === undefined ? undefined : positiveInt(flags.limit, '--limit'),
        invocation: flags.invocation,
        stream: flags.stream,
      };
      const pathname = `/v1/functions/${seg(name)}/logs`;
      if (flags.follow) return follow(client, pathname, query, flags.json);
      const { body } = await client.request<{ items: LogLine[]; next?: string }>('GET', pathname, { query });
      if (flags.json) return printJson(body);
      for (const entry of body.items) printLine(entry, false);
    });
}
