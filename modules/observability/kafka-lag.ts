import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '../../common/logger';
import { OTHER } from './labels';

/**
 * `pyfaas_kafka_bridge_consumer_lag{trigger}`: records each Kafka trigger's group has yet to
 * read, sampled from the cluster every `intervalMs` on the bridge role (the consumers' own
 * batches say nothing while a trigger is paused or stuck), so a scrape never waits on Kafka.
 * A sample that fails keeps the last values; a trigger gone from the bridge drops out with the
 * next sample. At most `maxTriggers` triggers have series of their own; the rest add up under
 * `_other`. Returns the way to stop sampling, which waits for a sample under way.
 */
export function sampleKafkaLag(registry: Registry, sample: () => Promise<Map<string, number>>, intervalMs: number, maxTriggers: number, logger: Logger): () => Promise<void> {
  let last = new Map<string, number>();
  new Gauge({
    name: 'pyfaas_kafka_bridge_consumer_lag', help: "Records the trigger's consumer group has yet to read, over its topics (sampled from the cluster)", labelNames: ['trigger'], registers: [registry],
    collect() {
      this.reset();
      let index = 0;
      for (const [trigger, lag] of last) this.inc({ trigger: index++ < maxTriggers ? trigger : OTHER }, lag);
    },
  });
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let sampling: Promise<void> = Promise.resolve();
  const tick = async () => {
    try {
      last = await sample();
    } catch (err) {
      logger.debug({ err }, 'could not sample the Kafka consumer lag; keeping the last values');
    }
    if (!stopped) timer = setTimeout(() => (sampling = tick()), intervalMs).unref();
  };
  sampling = tick();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await sampling;
  };
}
