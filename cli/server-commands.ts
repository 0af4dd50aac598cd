import type { Command } from 'commander';

// The platform's heavy parts (the Temporal SDK, the server code, pino) load inside the
// actions, only for the commands that run them.

async function serve(): Promise<number> {
  const { config, logger } = await serverContext(false);
  const { DefaultLogger, Runtime } = await import('@temporalio/worker');
  const { startPyFaaS } = await import('../process/serve');
  const { checkTemporalMetricsPort, temporalTelemetryOptions } = await import('../modules/observability/temporal-runtime');
  await checkTemporalMetricsPort(config);
  Runtime.install({ logger: new DefaultLogger('WARN'), ...temporalTelemetryOptions(config) });
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

/** The platform's configuration (PYFAAS_* or PYFAAS_CONFIG) and a logger; pretty on a terminal except for serve. */
async function serverContext(prettyOnTty: boolean) {
  const { loadConfig } = await import('../infra/config');
  const { createLogger } = await import('../common/logger');
  const config = loadConfig();
  const logger = createLogger({ level: config.log.level, pretty: config.log.pretty || (prettyOnTty && Boolean(process.stdout.isTTY)) });
  return { config, logger };
}

/**
 * The commands that run the platform (up, serve, provision, bundle), new-token, and `module …`
 * (the module developer's tools, with a parser of their own: every argument after `module` is
 * passed on as typed). Each action resolves with the exit code.
 */
export function registerServerCommands(program: Command, exit: (code: number) => void): void {
  program
    .command('up')
    .description('provision, start Temporal, Kafka and PyFaaS (role all); Ctrl-C stops everything')
    .action(async () => {
      const { config, logger } = await serverContext(true);
      exit(await (await import('./supervisor')).up(config, logger));
    });
  program
    .command('serve')
    .description('run one PyFaaS process in the role PYFAAS_ROLE names (all, api, worker, bridge)')
    .action(async () => exit(await serve()));
  program
    .command('provision')
    .description('build/fetch/install every service PyFaaS runs on, then exit')
    .action(async () => {
      const { config, logger } = await serverContext(true);
      await (await import('../infra/provision')).provision(config.dataDir, { postgres: true, bubblewrap: true }, logger);
    });
  program
    .command('bundle')
    .description('prebundle the workflow code (part of npm run build)')
    .action(async () => {
      const { writeWorkflowBundle } = await import('../process/bundle');
      console.log(`workflow bundle written to ${await writeWorkflowBundle()}`);
    });
  program
    .command('new-token')
    .description('print a fresh, well-formed API token (e.g. for PYFAAS_ADMIN_TOKEN); stores nothing')
    .action(async () => console.log((await import('../modules/auth/tokens/format')).generateToken()));
  program
    .command('module')
    .description('write, check and sign hub modules (pyfaas module help)')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[args...]')
    .action(async (args: string[]) => exit(await (await import('./module-commands')).runModuleCommand(args)));
}
