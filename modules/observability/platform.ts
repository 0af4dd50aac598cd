import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../../common/logger';

/** How one try to deliver an async invocation's record to its destination ended. */
export type DeliveryResult = 'delivered' | 'failed' | 'rejected';

/** Where destination deliveries are recorded (activities/destinations.ts). */
export interface DeliveryRecorder {
  /** One try; `failed` tries are retried, `rejected` ones (a 4xx webhook answer) are not. */
  delivery(type: 'webhook' | 'kafka', result: DeliveryResult): void;
  /** A record that went to the dead-letter topic because its destination kept failing. */
  deadLettered(type: 'webhook' | 'kafka'): void;
}

/** Where the node heartbeat loop records each beat (process/node-heartbeat.ts). */
export interface HeartbeatRecorder {
  heartbeat(ok: boolean): void;
}

export const NO_DELIVERY_METRICS: DeliveryRecorder = Object.freeze({ delivery() {}, deadLettered() {} });
export const NO_HEARTBEAT_METRICS: HeartbeatRecorder = Object.freeze({ heartbeat() {} });

/** A scrape waits this long for the meta store's count of live nodes, then shows none. */
const NODES_READ_TIMEOUT_MS = 2000;

/**
 * The platform's own metrics beside the FaaS ones: destination deliveries and dead letters,
 * node heartbeats sent by this process, and the worker nodes alive as the meta store knows them.
 * Label values come from fixed sets.
 */
export class PlatformMetrics implements DeliveryRecorder, HeartbeatRecorder {
  private readonly deliveries: Counter;
  private readonly destinationDeadLetters: Counter;
  private readonly heartbeats: Counter;

  constructor(private readonly registry: Registry) {
    const registers = [registry];
    this.deliveries = new Counter({ name: 'pyfaas_destination_deliveries_total', help: "Tries to deliver an async invocation's record to its destination, by destination type and result", labelNames: ['type', 'result'], registers });
    this.destinationDeadLetters = new Counter({ name: 'pyfaas_destination_dead_letters_total', help: 'Invocation records sent to the dead-letter topic because their destination kept failing or refused them', labelNames: ['type'], registers });
    this.heartbeats = new Counter({ name: 'pyfaas_node_heartbeats_total', help: "This worker node's heartbeats to the meta store, by result", labelNames: ['result'], registers });
  }

  delivery(type: 'webhook' | 'kafka', result: DeliveryResult): void {
    this.deliveries.inc({ type, result });
  }

  deadLettered(type: 'webhook' | 'kafka'): void {
    this.destinationDeadLetters.inc({ type });
  }

  heartbeat(ok: boolean): void {
    this.heartbeats.inc({ result: ok ? 'ok' : 'failed' });
  }

  /**
   * `pyfaas_nodes_alive`: the worker nodes heard from within the TTL, counted when scraped
   * (one meta store query per scrape). A store that does not answer in 2 s leaves the last
   * count in that scrape rather than failing it.
   */
  observeNodes(countAlive: () => Promise<number>, logger: Logger): void {
    new Gauge({
      name: 'pyfaas_nodes_alive', help: 'Worker nodes heard from within the heartbeat TTL (the meta store, read at scrape time)', registers: [this.registry],
      async collect() {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), NODES_READ_TIMEOUT_MS)));
        try {
          const alive = await Promise.race([countAlive(), timeout]);
          if (alive !== undefined) this.set(alive);
        } catch (err) {
          logger.debug({ err }, 'could not count the live nodes for the metrics');
        } finally {
          clearTimeout(timer);
        }
      },
    });
  }
}
