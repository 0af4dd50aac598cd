#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { isPyFaaSError } from '../common/errors';
import { CliError, EXIT, EXIT_CODES_HELP } from './client/exit-codes';
import { registerClientCommands } from './commands';
import { registerServerCommands } from './server-commands';

const FOOTER = `
Client commands use the login saved by pyfaas login ($XDG_CONFIG_HOME/pyfaas/config.json or
~/.config/pyfaas/config.json, mode 0600); PYFAAS_URL and PYFAAS_TOKEN override it.
The platform commands (up, serve, provision) read PYFAAS_* variables or the JSON file PYFAAS_CONFIG names (see README).

${EXIT_CODES_HELP}`;

/** The whole command tree; `exit` lets an action set the process's exit code. */
export function buildProgram(exit: (code: number) => void): Command {
  const program = new Command('pyfaas')
    .description('PyFaaS: run the platform, and use it from the command line')
    .exitOverride()
    .showHelpAfterError('(run pyfaas help for the commands)')
    .addHelpText('after', FOOTER);
  program.commandsGroup('Run the platform:');
  registerServerCommands(program, exit);
  program.commandsGroup('Use it over the API (after pyfaas login):');
  registerClientCommands(program);
  program.commandsGroup('Help:');
  return program;
}

async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram((exitCode) => (code = exitCode));
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return EXIT.usage;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    // Commander has printed its message already; help and --version are not errors.
    return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help' ? EXIT.ok : EXIT.usage;
  }
  return code;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    // One sentence for errors we expect (an API refusal, bad config, missing tool, taken port); a stack otherwise.
    if (err instanceof CliError) {
      console.error(`pyfaas: ${err.code}: ${err.message}`);
      process.exit(err.exitCode);
    }
    console.error(isPyFaaSError(err) ? `pyfaas: ${err.message}` : err);
    process.exit(1);
  },
);
