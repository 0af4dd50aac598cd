import path from 'node:path';

/** The repo's own data dir: provisioned tools are cached here across test runs. */
export const REPO_DATA_DIR = path.resolve(__dirname, '..', '..', '.pyfaas');
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

export const TEST_ENV = ['PYFAAS_TEST_TEMPORAL_ADDRESS', 'PYFAAS_TEST_KAFKA_BROKERS', 'PYFAAS_TEST_POSTGRES_URL'] as const;

export interface TestServices {
  temporalAddress: string;
  kafkaBrokers: string[];
  postgresUrl: string;
  temporalCli: string;
  kafkaLibDir: string;
}

/** The real services global-setup started (or was told to reuse). */
export function testServices(): TestServices {
  const get = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set: run the tests with \`npm test\` (jest global setup starts the services).`);
    return value;
  };
  return {
    temporalAddress: get('PYFAAS_TEST_TEMPORAL_ADDRESS'),
    kafkaBrokers: get('PYFAAS_TEST_KAFKA_BROKERS').split(','),
    postgresUrl: get('PYFAAS_TEST_POSTGRES_URL'),
    temporalCli: get('PYFAAS_TEST_TEMPORAL_CLI'),
    kafkaLibDir: get('PYFAAS_TEST_KAFKA_LIBS'),
  };
}
