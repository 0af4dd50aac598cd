import type { Kafka } from 'kafkajs';
import type { ChaosApi } from './api';
import { CHAOS_FUNCTION_CODE } from './function-code';
import type { Internet } from './internet';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function expectStatus(what: string, answer: { status: number; body: unknown }, status: number): Promise<void> {
  if (answer.status !== status) throw new Error(`${what}: expected HTTP ${status}, got ${answer.status} ${JSON.stringify(answer.body)}`);
}

/** Deploys the chaos function (side effects to the ledger) and its Kafka trigger, and checks one run's side effect reaches the ledger. */
export async function prepare(api: ChaosApi, kafka: Kafka, internet: Pick<Internet, 'ledgerUrl' | 'effects'>, functionName: string, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  // A broker that just started may not lead the new partitions yet: ask until it does.
  for (let attempt = 1; ; attempt += 1) {
    try {
      await admin.createTopics({ topics: [{ topic: topic, numPartitions: 2 }], waitForLeaders: true });
      await admin.fetchTopicMetadata({ topics: [topic] });
      break;
    } catch (err) {
      if (attempt >= 20) throw err;
      await sleep(500);
    }
  }
  await admin.disconnect();
  await expectStatus('deploying the chaos function', await api.call('POST', '/v1/functions', {
    name: functionName, runtime: 'python3', handler: 'main.handler', code: { inline: CHAOS_FUNCTION_CODE },
    memoryMb: 128, timeoutMs: 10_000, maxConcurrency: 16, allowNetwork: true, env: { LEDGER_URL: internet.ledgerUrl },
  }, {}, 120_000), 201);
  await expectStatus('creating the Kafka trigger', await api.call('POST', '/v1/triggers', {
    name: topic, kind: 'kafka', function: functionName, config: { topic, startFrom: 'earliest' },
  }), 201);
  const sanity = await api.call('POST', `/v1/functions/${functionName}/invoke`, { key: 'sanity' });
  if (sanity.body?.status !== 'succeeded') throw new Error(`the chaos function does not work: ${JSON.stringify(sanity.body)}`);
  if (!internet.effects.some((effect) => effect.key === 'sanity')) throw new Error('the chaos function answered but its side effect did not reach the ledger');
}

