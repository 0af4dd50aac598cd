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
 * The commands that run the platform (up, serve, provision, bundle, certs), new-token, and `module …`
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
      await (await import('../infra/provision')).provision(config.dataDir, { postgres: true, bubblewrap: true, temporalServer: config.stack.temporal === 'server' }, logger);
    });
  program
    .command('certs')
    .description('issue a dev cluster\'s TLS certificates for Temporal (CA, frontend, client for mTLS) with openssl')
    .requiredOption('--out <dir>', 'where to write ca.pem, server.pem, client.pem and their keys')
    .option('--host <name...>', 'names and addresses the frontend is reached by (localhost and 127.0.0.1 always included)', [])
    .option('--client-name <cn>', 'the client certificate\'s common name', 'pyfaas')
    .option('--days <n>', 'validity in days', '825')
    .option('--force', 'replace certificates already in the directory')
    .action(async (options: { out: string; host: string[]; clientName: string; days: string; force?: boolean }) => {
      const { createLogger } = await import('../common/logger');
      const { generateDevCerts } = await import('../infra/tls');
      const { InputError } = await import('../common/errors');
      const days = Number(options.days);
      if (!Number.isInteger(days) || days < 1) throw new InputError(`--days must be a positive whole number (got ${JSON.stringify(options.days)}).`);
      const logger = createLogger({ level: 'warn', pretty: Boolean(process.stdout.isTTY) });
      const path = await import('node:path');
      const files = await generateDevCerts({ outDir: path.resolve(options.out), hosts: options.host, clientName: options.clientName, days, force: options.force }, logger);
      console.log([
        `certificates written to ${path.resolve(options.out)}`,
        `server (pyfaas up):  PYFAAS_TEMPORAL_SERVER_TLS_CERT=${files.serverCert} PYFAAS_TEMPORAL_SERVER_TLS_KEY=${files.serverKey} PYFAAS_TEMPORAL_SERVER_TLS_CLIENT_CA=${files.ca}`,
        `clients (serve):     PYFAAS_TEMPORAL_TLS_CA=${files.ca} PYFAAS_TEMPORAL_TLS_CERT=${files.clientCert} PYFAAS_TEMPORAL_TLS_KEY=${files.clientKey}`,
      ].join('\n'));
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
