import fs from 'node:fs';
import type { Command } from 'commander';
import type { InvocationView } from '../client/api-types';
import { CliError, EXIT, usageError } from '../client/exit-codes';
import { seg } from '../client/http';
import { printJson } from '../client/output';
import { apiClient, parseJsonOption, positiveInt, readStdin } from './shared';

interface InvokeFlags {
  data?: string;
  file?: string;
  async?: boolean;
  version?: string;
  alias?: string;
  logs?: boolean;
  json?: boolean;
}

/** The event: --data, --file, or stdin when it is not a terminal; `{}` when none is given. */
async function readEvent(flags: InvokeFlags): Promise<unknown> {
  if (flags.data !== undefined && flags.file !== undefined) throw usageError('Give --data or --file, not both.');
  if (flags.data !== undefined) return parseJsonOption(flags.data, '--data');
  if (flags.file !== undefined) {
    let text: string;
    try {
      text = fs.readFileSync(flags.file, 'utf8');
    } catch (err) {
      throw usageError(`Cannot read --file ${flags.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`);
    }
    return parseJsonOption(text, `--file ${flags.file}`);
  }
  if (!process.stdin.isTTY) {
    const text = await readStdin();
    if (text.trim()) return parseJsonOption(text, 'stdin');
  }
  return {};
}

/**
 * invoke <fn>: sync by default (prints the result as JSON), --async prints the invocation id.
 * A failed, timed out or cancelled invocation exits 1 with the error's type and message.
 */
export function registerInvokeCommand(program: Command): void {
  program
    .command('invoke')
    .description('invoke a function with a JSON event and print its result')
    .argument('<fn>', 'function name')
    .option('-d, --data <json>', 'the event, as JSON')
    .option('-f, --file <path>', 'read the event (JSON) from a file')
    .option('--async', 'queue it and print the invocation id at once')
    .option('--version <n>', 'run this version (default: the active one)')
    .option('--alias <name>', 'run the version this alias draws')
    .option('--logs', "print the function's stdout/stderr (to stderr)")
    .option('--json', 'print the whole invocation record as JSON')
    .addHelpText('after', '\nWithout --data or --file the event is read from stdin when it is piped, else {}.')
    .action(async (name: string, flags: InvokeFlags) => {
      if (flags.version !== undefined && flags.alias !== undefined) throw usageError('Give --version or --alias, not both.');
      const version = flags.version === undefined ? undefined : positiveInt(flags.version, '--version');
      const event = await readEvent(flags);
      const query = { version, alias: flags.alias, async: flags.async ? true : undefined };
      const { body } = await apiClient().request<InvocationView>('POST', `/v1/functions/${seg(name)}/invoke`, { query, body: event });
      if (flags.async) return void (flags.json ? printJson(body) : console.log(body.invocationId));
      if (flags.logs && body.logs) {
        process.stderr.write(body.logs.stdout);
        process.stderr.write(body.logs.stderr);
        if (body.logs.truncated) process.stderr.write('[output truncated]\n');
      }
      if (flags.json) printJson(body);
      if (body.status !== 'succeeded') {
        const type = body.error?.type ?? body.status.toUpperCase();
        throw new CliError(type, `${name} ${body.status} (${body.invocationId}): ${body.error?.message ?? 'no message'}`, EXIT.failed);
      }
      if (!flags.json) printJson(body.result ?? null);
    });
}
