import type { Command } from 'commander';
import { registerAliasCommands } from './aliases';
import { registerAuthCommands } from './auth';
import { registerDeployCommand } from './deploy';
import { registerFunctionCommands } from './functions';
import { registerInvocationCommands } from './invocations';
import { registerInvokeCommand } from './invoke';
import { registerLogsCommand } from './logs';
import { registerModuleCommands } from './modules';
import { registerTokenCommands } from './tokens';
import { registerTriggerCommands } from './triggers';

/**
 * The client commands: each talks to the HTTP API with the saved login (or PYFAAS_URL and
 * PYFAAS_TOKEN) and imports nothing of the server, so they start in a fraction of a second.
 */
export function registerClientCommands(program: Command): void {
  registerAuthCommands(program);
  registerDeployCommand(program);
  registerInvokeCommand(program);
  registerLogsCommand(program);
  registerFunctionCommands(program);
  registerInvocationCommands(program);
  registerTriggerCommands(program);
  registerAliasCommands(program);
  registerModuleCommands(program);
  registerTokenCommands(program);
}
