import type { Command } from 'commander';
import { resolveConfig } from '../client/config';
import { usageError } from '../client/exit-codes';
import { ApiClient } from '../client/http';
import { printJson } from '../client/output';

/** The API client for the login in force (PYFAAS_URL/PYFAAS_TOKEN, else the saved one); throws NOT_LOGGED_IN. */
export function apiClient(): ApiClient {
  return new ApiClient(resolveConfig());
}

export interface JsonFlag {
  json?: boolean;
}

/** Every reading command takes --json: the API's JSON as it came, for scripts. */
export function withJson(command: Command): Command {
  return command.option('--json', "print the API's JSON as is");
}

/** Prints `body` as JSON when --json was given, else hands it to `human`. */
export function emit<T>(flags: JsonFlag, body: T, human: (body: T) => void): void {
  if (flags.json) printJson(body);
  else human(body);
}

/** JSON typed on the command line; throws a usage error (exit 2) naming the option. */
export function parseJsonOption(text: string, option: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw usageError(`${option} is not valid JSON: ${(err as Error).message}`);
  }
}

/** A positive integer option (a version, a limit); throws a usage error otherwise. */
export function positiveInt(text: string, option: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 2 ** 31 - 1) throw usageError(`${option} must be a positive integer (got ${JSON.stringify(text)}).`);
  return Number(text);
}

/** Reads all of stdin (for --token-stdin and an invoke event piped in). */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
