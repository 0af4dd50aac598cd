import type { Provisioned } from '../infra/provision';

/** What host A runs, as the harness hands it over (JSON in PYFAAS_CLUSTER_HOST_A). */
export interface HostAPlan {
  dataDir: string;
  /** Host A's address on the bridge: every service binds it. */
  address: string;
  /** The bridge's /24: PostgreSQL trusts its clients. */
  subnet: string;
  /** `dev`: `temporal server start-dev`; `server`: the real Temporal server on PostgreSQL. */
  temporal: 'dev' | 'server';
  /** The Temporal CLI, the Kafka jars and (server mode) the Temporal server's binaries. */
  provisioned: Provisioned;
  versitygw: string;
  s3: { bucket: string; accessKeyId: string; secretAccessKey: string };
}

/** Each service has the host to itself, so the ports are the usual ones. */
export const HOST_A_PORTS = { postgres: 5432, temporal: 7233, kafka: 9092, kafkaController: 9093, s3: 7070 } as const;
