import { createServer, type RequestListener, type Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { createApp, createHealthRouter } from '../api';
import { UnavailableError } from '../common/errors';
import type { Logger } from '../common/logger';
import type { Config } from '../infra/config';
import { MetaStore } from '../modules/meta';
import { KafkaHealth } from './kafka-health';
import { Readiness } from './readiness';
import { createPyFaaSWorker } from './worker';

export interface RunningPyFaaS {
  /** The API's base URL, when this process serves the API. */
  apiUrl?: string;
  client: Client;
  meta: MetaStore;
  /** Settles when the worker stops (rejects when it fails). */
  workerDone?: Promise<void>;
  close(): Promise<void>;
}

async function connectTemporal<T>(address: string, connect: () => Promise<T>): Promise<T> {
  try {
    return await connect();
  } catch (err) {
    throw new UnavailableError(`Cannot reach Temporal at ${address} (${(err as Error).message}); start it with \`npm start\` or set PYFAAS_TEMPORAL_ADDRESS.`);
  }
}

/**
 * Starts the PyFaaS process in its configured role: `worker` polls Temporal, `api` serves
 * HTTP, `all` does both and shares the worker's NativeConnection with the client (which is
 * what eager workflow start needs). Whatever opened before a failure is closed again.
 */
export async function startPyFaaS(config: Config, logger: Logger): Promise<RunningPyFaaS> {
  const closers: Array<() => Promise<unknown>> = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch((err) => logger.warn({ err }, 'error while closing'));
    closers.length = 0;
  };
  try {
    const hasWorker = config.role === 'all' || config.role === 'worker';
    const hasApi = config.role === 'all' || config.role === 'api';
    const { address, namespace, taskQueue } = config.temporal;

    const meta = await MetaStore.open(config.database.url, logger);
    closers.push(() => meta.close());

    let client: Client;
    let worker: Worker | undefined;
    let workerDone: Promise<void> | undefined;
    if (hasWorker) {
      const native = await connectTemporal(address, () => NativeConnection.connect({ address }));
      closers.push(() => native.close());
      worker = await createPyFaaSWorker({ connection: native, namespace, taskQueue, nodeId: config.nodeId, logger });
      workerDone = worker.run();
      const running = worker;
      closers.push(async () => {
        if (running.getState() === 'RUNNING') running.shutdown();
        await workerDone?.catch(() => undefined);
      });
      client = new Client({ connection: native, namespace });
    } else {
      const connection = await connectTemporal(address, () => Connection.connect({ address }));
      closers.push(() => connection.close());
      client = new Client({ connection, namespace });
    }

    let apiUrl: string | undefined;
    if (hasApi) {
      const kafkaHealth = new KafkaHealth(config.kafka.brokers, config.kafka.clientId);
      closers.push(() => kafkaHealth.close());
      const readiness = new Readiness({
        temporal: () => client.workflowService.getSystemInfo({}),
        kafka: () => kafkaHealth.check(),
        database: () => meta.ping(),
      });
      const app = createApp({ logger, routers: [createHealthRouter(readiness)] });
      const server = await listen(app.callback(), config.api.host, config.api.port);
      closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
      closers.push(async () => server.closeAllConnections());
      apiUrl = `http://${config.api.host}:${config.api.port}`;
    }
    logger.info({ role: config.role, apiUrl, temporal: address, taskQueue }, 'PyFaaS started');
    return { apiUrl, client, meta, workerDone, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

function listen(handler: RequestListener, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(handler);
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new UnavailableError(`Port ${port} (API) is already in use; set PYFAAS_API_PORT to another port.`) : err),
    );
    server.listen(port, host, () => resolve(server));
  });
}
