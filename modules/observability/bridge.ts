import { Counter, Gauge, type Registry } from 'prom-client';
import type { BridgeStatus } from '../trigger/kafka';
import { OTHER } from './labels';

/**
 * The Kafka bridge's counters per trigger, read from its status when scraped (nothing on the
 * record path): invocations started, records dead-lettered, records in flight. At most
 * `maxTriggers` triggers get their own series; the rest add up under trigger="_other".
 */
export function registerBridgeMetrics(registry: Registry, status: () => BridgeStatus, maxTriggers: number): void {
  const perTrigger = (read: (t: BridgeStatus['triggers'][number]) => number) => {
    const values = new Map<string, number>();
    status().triggers.forEach((trigger, index) => {
      const label = index < maxTriggers ? trigger.id : OTHER;
      values.set(label, (values.get(label) ?? 0) + read(trigger));
    });
    return values;
  };
  new Counter({
    name: 'pyfaas_kafka_bridge_starts_total', help: 'Invocations the Kafka bridge started, per trigger (since this process started)', labelNames: ['trigger'], registers: [registry],
    collect() {
      this.reset();
      for (const [trigger, value] of perTrigger((t) => t.started)) this.inc({ trigger }, value);
    },
  });
  new Counter({
    name: 'pyfaas_kafka_bridge_dead_letters_total', help: 'Records the Kafka bridge could not start and sent to the dead-letter topic, per trigger', labelNames: ['trigger'], registers: [registry],
    collect() {
      this.reset();
      for (const [trigger, value] of perTrigger((t) => t.deadLettered)) this.inc({ trigger }, value);
    },
  });
  new Gauge({
    name: 'pyfaas_kafka_bridge_in_flight', help: 'Records the Kafka bridge is starting now, per trigger', labelNames: ['trigger'], registers: [registry],
    collect() {
      this.reset();
      for (const [trigger, value] of perTrigger((t) => t.inFlight)) this.set({ trigger }, value);
    },
  });
}
