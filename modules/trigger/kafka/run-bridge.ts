/**
 * Runs a Kafka bridge on its own, with a Temporal starter, until SIGTERM or SIGINT:
 *
 *   node dist/modules/trigger/kafka/run-bridge.js '<json config>'
 *
 * The config names the brokers, the Temporal server, the workflow each record starts and a
 * fixed list of triggers (see `configSchema`). The bridge's status is logged every
 * `statusEveryMs` as a pino line `{"msg":"bridge status","status":{…}}`. Meant for tests,
 * benchmarks and trials until the `bridge` process role wires the bridge to the meta store.
 * Exits 1 with the reason on a bad config or a fatal error.
 */
import { Client, Connection } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { z } from 'zod';
import { InputError } from '../../../common/errors';
import { createLogger, type Logger } from '../../../common/logger';
import { temporalConnectionOptions } from '../../../infra/tls';
import { KafkaBridge } from './bridge';
import type { KafkaTriggerSpec } from './contract';
import { createTemporalStarter } from './temporal-starter';

const configSchema = z
  .object({
    brokers: z.array(z.string().min(1)).min(1),
    clientId: z.string().min(1).default('pyfaas-bridge'),
    temporalAddress: z.string().min(1),
    /** TLS to Temporal, as config `temporal.tls` (PEM file paths). */
    temporalTls: z.object({ enabled: z.boolean().optional(), ca: z.string().min(1).optional(), cert: z.string().min(1).optional(), key: z.string().min(1).optional(), serverName: z.string().min(1).optional() }).strict().optional(),
    namespace: z.string().min(1).default('default'),
    taskQueue: z.string().min(1),
    workflowType: z.string().min(1),
    /** Fixed workflow arguments; absent, the workflow gets the record's event. */
    workflowArgs: z.array(z.unknown()).optional(),
    /** A Temporal duration (e.g. `1 day`) before each workflow's first task: for start-throughput tests. */
    startDelay: z.string().min(1).optional(),
    triggers: z.array(z.record(z.unknown())),
    deadLetterTopic: z.string().min(1).optional(),
    refreshMs: z.number().int().positive().optional(),
    sessionTimeoutMs: z.number().int().positive().optional(),
    statusEveryMs: z.number().int().positive().default(1000),
    logLevel: z.string().default('info'),
  })
  .strict();

export type RunBridgeConfig = z.input<typeof configSchema>;

function parseConfig(text: string | undefined): z.output<typeof configSchema> {
  if (!text) throw new InputError('Give the bridge config as the first argument (JSON).');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InputError(`The bridge config is not JSON: ${(err as Error).message}`);
  }
  const result = configSchema.safeParse(json);
  if (!result.success) throw new InputError(`Invalid bridge config: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}.`);
  return result.data;
}

async function run(logger: Logger, config: z.output<typeof configSchema>): Promise<void> {
  // Status lines are the program's output: logged whatever the log level.
  const statusLog = createLogger({ level: 'info', name: 'kafka-bridge' });
  const connection = await Connection.connect(temporalConnectionOptions({ address: config.temporalAddress, tls: config.temporalTls }));
  const client = new Client({ connection, namespace: config.namespace });
  const bridge = new KafkaBridge({
    brokers: config.brokers,
    clientId: config.clientId,
    logger,
    starter: createTemporalStarter({
      client, workflowType: config.workflowType, taskQueue: config.taskQueue,
      prepare: (request) => ({
        args: config.workflowArgs ?? [request.event],
        options: config.startDelay ? { startDelay: config.startDelay as Duration } : {},
      }),
    }),
    triggers: async () => config.triggers as unknown as KafkaTriggerSpec[],
    deadLetterTopic: config.deadLetterTopic,
    refreshMs: config.refreshMs,
    sessionTimeoutMs: config.sessionTimeoutMs,
  });
  const signalled = new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  const statusTimer = setInterval(() => statusLog.info({ status: bridge.status() }, 'bridge status'), config.statusEveryMs);
  try {
    await bridge.start();
    await signalled;
    logger.info('stopping on a signal');
  } finally {
    clearInterval(statusTimer);
    await bridge.stop();
    statusLog.info({ status: bridge.status() }, 'bridge status');
    await connection.close();
  }
}

if (require.main === module) {
  let logger: Logger = createLogger({ level: 'info', name: 'kafka-bridge' });
  Promise.resolve()
    .then(() => {
      const config = parseConfig(process.argv[2]);
      logger = createLogger({ level: config.logLevel, name: 'kafka-bridge' });
      return run(logger, config);
    })
    .then(
      () => process.exit(0),
      (err) => {
        logger.fatal({ err }, `kafka bridge failed: ${(err as Error).message}`);
        process.exit(1);
      },
    );
}
