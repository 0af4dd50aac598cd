import type { Admin, Kafka } from 'kafkajs';

/**
 * The admin requests the bridge needs: topic names (for pattern triggers) and pinning a new
 * group's start position. One admin client, rebuilt after a failure so a broker that went away
 * and came back answers again. Throws what kafkajs throws when the cluster cannot be reached.
 */
export class KafkaAdmin {
  private admin?: Admin;

  constructor(private readonly kafka: Kafka) {}

  listTopics(): Promise<string[]> {
    return this.use((admin) => admin.listTopics());
  }

  /** Creates the topic with the broker's defaults unless it exists. */
  async ensureTopic(topic: string): Promise<void> {
    await this.use((admin) => admin.createTopics({ topics: [{ topic }], waitForLeaders: true }));
  }

  /**
   * Commits the current end offset of each partition of `topics` the group has no commit for.
   * For a trigger starting from `latest`, before its consumer joins: otherwise a bridge that
   * stops before its first commit would start again at the *new* end and skip what came in
   * between. Kafka refuses while the group has members; they hold its position, so that is fine.
   */
  async pinLatestOffsets(groupId: string, topics: string[]): Promise<void> {
    await this.use(async (admin) => {
      for (const topic of topics) {
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
        const missing = committed.partitions.filter((p) => BigInt(p.offset) < 0n).map((p) => p.partition);
        if (missing.length === 0) continue;
        const ends = await admin.fetchTopicOffsets(topic);
        const partitions = ends.filter((end) => missing.includes(end.partition)).map(({ partition, offset }) => ({ partition, offset }));
        await admin.setOffsets({ groupId, topic, partitions }).catch((err: Error) => {
          if (!/no (running|active) instances|not empty|running instances/i.test(err.message)) throw err;
        });
      }
    });
  }

  /**
   * Records of `topics` the group has yet to read: per partition, the end offset minus the
   * group's commit (without a commit: the whole partition for a group starting from
   * `earliest`, nothing for `latest`). Two requests per topic; throws when the cluster cannot
   * be reached or a topic does not exist.
   */
  async consumerLag({ groupId, topics, startFrom }: { groupId: string; topics: string[]; startFrom: 'earliest' | 'latest' }): Promise<number> {
    if (topics.length === 0) return 0;
    return this.use(async (admin) => {
      let lag = 0n;
      for (const { topic, partitions } of await admin.fetchOffsets({ groupId, topics })) {
        const committed = new Map(partitions.map((p) => [p.partition, BigInt(p.offset)]));
        for (const end of await admin.fetchTopicOffsets(topic)) {
          const at = committed.get(end.partition) ?? -1n;
          const from = at >= 0n ? at : startFrom === 'earliest' ? BigInt(end.low) : BigInt(end.high);
          if (BigInt(end.high) > from) lag += BigInt(end.high) - from;
        }
      }
      return Number(lag);
    });
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.disconnect().catch(() => undefined);
  }

  private async use<T>(request: (admin: Admin) => Promise<T>): Promise<T> {
    try {
      if (!this.admin) {
        const admin = this.kafka.admin();
        await admin.connect();
        this.admin = admin;
      }
      return await request(this.admin);
    } catch (err) {
      await this.close();
      throw err;
    }
  }
}
