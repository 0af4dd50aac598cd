import { Connection } from '@temporalio/client';
import { Kafka, logLevel } from 'kafkajs';
import { Client as PgClient } from 'pg';
import type { TemporalConnectionOptions } from '../tls/temporal-connection';

/** One-shot health probes used while waiting for a freshly started service. */

/** `target`: an address, or the options (TLS) `temporalConnectionOptions` made. */
export async function temporalAnswers(target: string | TemporalConnectionOptions): Promise<boolean> {
  const options = typeof target === 'string' ? { address: target } : target;
  const connection = await Connection.connect({ ...options, connectTimeout: 2000 });
  try {
    await connection.workflowService.getSystemInfo({});
    return true;
  } finally {
    await connection.close();
  }
}

export async function kafkaAnswers(brokers: string[]): Promise<boolean> {
  const admin = new Kafka({ brokers, clientId: 'pyfaas-probe', logLevel: logLevel.NOTHING, connectionTimeout: 2000, retry: { retries: 0 } }).admin();
  await admin.connect();
  try {
    const cluster = await admin.describeCluster();
    return cluster.controller !== null && cluster.brokers.length > 0;
  } finally {
    await admin.disconnect();
  }
}

export async function postgresAnswers(url: string): Promise<boolean> {
  const client = new PgClient({ connectionString: url, connectionTimeoutMillis: 2000 });
  await client.connect();
  try {
    await client.query('select 1');
    return true;
  } finally {
    await client.end();
  }
}
