#!/usr/bin/env node
import { isPyFaaSError } from '../common/errors';
import { createLogger, type Logger } from '../common/logger';
import { loadConfig, type Config } from '../infra/config';
import { generateToken } from '../modules/auth/tokens/format';
import { runModuleCommand } from './module-commands';

// The platform's heavy parts (the Temporal SDK, the server code) load only for the commands
// that run them: `pyfaas module …` and `new-token` start in a fraction of a second.

const USAGE = `Usage: pyfaas <command>

Commands:
  up          provision, start Temporal, Kafka and PyFaaS (role all); Ctrl-C stops everything
  serve       run one PyFaaS process in the role PYFAAS_ROLE names (all, api, worker, bridge)
  provision   build/fetch/install every service PyFaaS runs on, then exit
  bundle      prebundle the workflow code (part of npm run build)
  new-token   print a fresh, well-formed API token (e.g. for PYFAAS_ADMIN_TOKEN); stores nothing
  module      write, check and sign hub modules (pyfaas module help)

Configuration: PYFAAS_* environment variables or a JSON file named by PYFAAS_CONFIG (see README).`;

async function serve(config: Config, logger: Logger): Promise<number> {
  const { DefaultLogger, Runtime } = await import('@temporalio/worker');
  const { startPyFaaS } = await import('../process/serve');
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const running = await startPyFaaS(config, logger);
  const signal = new Promise<string>((resolve) => {
    for (const name of ['SIGINT', 'SIGTERM'] as const) process.once(name, () => resolve(name));
  });
  const workerFailed = (running.workerDone ?? new Promise<never>(() => undefined)).then(
    () => 'worker stopped',
    (err: Error) => `worker failed: ${err.message}`,
  );
  const reason = await Promise.race([signal, workerFailed]);
  logger.info({ reason }, 'shutting down');
  await running.close();
  return reason.startsWith('worker failed') ? 1 : 0;
}

async function main(argv: string[]): Promise<number> {
  const command = argv[0];
  if (command === 'bundle') {
    const { writeWorkflowBundle } = await import('../process/bundle');
    const file = await writeWorkflowBundle();
    console.log(`workflow bundle written to ${file}`);
    return 0;
  }
  if (command === 'module') return runModuleCommand(argv.slice(1));
  if (command === 'new-token') {
    console.log(generateToken());
    return 0;
  }
  if (!command || command === 'help' || command === '--help') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const config = loadConfig();
  const logger = createLogger({ level: config.log.level, pretty: config.log.pretty || (command !== 'serve' && process.stdout.isTTY) });
  switch (command) {
    case 'up':
      return (await import('./supervisor')).up(config, logger);
    case 'serve':
      return serve(config, logger);
    case 'provision':
      await (await import('../infra/provision')).provision(config.dataDir, { postgres: true, bubblewrap: true }, logger);
      return 0;
    default:
      console.error(`Unknown command ${JSON.stringify(command)}.\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    // One sentence for errors we expect (bad config, missing tool, taken port); a stack otherwise.
    console.error(isPyFaaSError(err) ? `pyfaas: ${err.message}` : err);
    process.exit(1);
  },
);
