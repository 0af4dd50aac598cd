import type { Logger } from '../../common/logger';
import { BUBBLEWRAP_PACKAGE, ensureDebianPackages, PIP_PACKAGE, POSTGRES_PACKAGE, type DebianPackage } from './debian-packages';
import { ensureKafkaJars } from './kafka-jars';
import { ensureTemporalCli } from './temporal-cli';
import { ensureTemporalServer, type TemporalServerBinaries } from './temporal-server';

export { ensureTemporalCli, temporalCliPath, TEMPORAL_CLI_VERSION } from './temporal-cli';
export { ensureTemporalServer, temporalServerBinaries, TEMPORAL_SERVER_VERSION, type TemporalServerBinaries } from './temporal-server';
export { ensureKafkaJars, kafkaLibDir, KAFKA_VERSION } from './kafka-jars';
export { ensureDebianPackages, findPostgresBinDir, BUBBLEWRAP_PACKAGE, OPENSSL_PACKAGE, POSTGRES_PACKAGE } from './debian-packages';
export { ensureAwsCli, awsCliVenvDir, AWS_CLI_REQUIREMENTS, type AwsCli } from './aws-cli';
export { ensureChromium, CHROMIUM_PACKAGE, CHROMIUM_PATH } from './chromium';
export { ensureKubeconform, ensureKubernetesSchemas, runKubeconform, kubeconformPath, KUBECONFORM_VERSION, KUBERNETES_VERSIONS, type KubeconformResult } from './kubeconform';
export { ensureVersitygw, startVersitygw, versitygwPath, VERSITYGW_VERSION, type Versitygw } from './versitygw';
export { ensureLambdaRie, ensureLambdaPython, startLambdaEmulator, lambdaRiePath, LAMBDA_RIE_VERSION, AWSLAMBDARIC_REQUIREMENTS, type LambdaEmulator } from './lambda-rie';

export interface Provisioned {
  temporalCli: string;
  kafkaLibDir: string;
  /** Built only when server mode was asked for (`needs.temporalServer`). */
  temporalServer?: TemporalServerBinaries;
}

export interface ProvisionNeeds {
  postgres: boolean;
  bubblewrap: boolean;
  /** The real Temporal server (PYFAAS_TEMPORAL=server): a build of several minutes, so only when asked. */
  temporalServer?: boolean;
}

/**
 * Everything the platform runs on, built or fetched once into `dataDir` (Temporal CLI,
 * Kafka jars, the Temporal server when asked) or installed from Debian (PostgreSQL, bubblewrap). Idempotent: a second
 * run only checks. Throws SetupError naming what is missing and how to get it.
 */
export async function provision(dataDir: string, needs: ProvisionNeeds, logger: Logger): Promise<Provisioned> {
  const packages: DebianPackage[] = [];
  // The function sandbox and the Python dependency installer go together.
  if (needs.bubblewrap) packages.push(BUBBLEWRAP_PACKAGE, PIP_PACKAGE);
  if (needs.postgres || needs.temporalServer) packages.push(POSTGRES_PACKAGE);
  await ensureDebianPackages(packages, logger);
  const temporalCli = await ensureTemporalCli(dataDir, logger);
  const kafkaLibDir = await ensureKafkaJars(dataDir, logger);
  const temporalServer = needs.temporalServer ? await ensureTemporalServer(dataDir, logger) : undefined;
  return { temporalCli, kafkaLibDir, temporalServer };
}
