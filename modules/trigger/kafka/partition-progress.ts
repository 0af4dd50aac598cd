/**
 * Which records of one partition's batch are acknowledged (their start answered 'started' or
 * 'duplicate', or they were dead-lettered), and so how far the group may commit: only up to
 * the highest offset below which every record is acknowledged, whatever order starts finish in.
 */
export class PartitionProgress {
  private readonly acked: boolean[];
  private frontier = 0;

  /** `offsets`: the batch's record offsets in order (they may have gaps: compaction, markers). */
  constructor(private readonly offsets: readonly string[]) {
    this.acked = offsets.map(() => false);
  }

  /**
   * Marks the record at `index` (its position in the batch) acknowledged. Answers the offset
   * of the last record of the now contiguous acknowledged prefix if it grew, else undefined.
   */
  ack(index: number): string | undefined {
    this.acked[index] = true;
    const before = this.frontier;
    while (this.frontier < this.acked.length && this.acked[this.frontier]) this.frontier += 1;
    return this.frontier > before ? this.offsets[this.frontier - 1] : undefined;
  }

  /** The offset the group should read next, or undefined when no record is acknowledged yet. */
  nextOffset(): string | undefined {
    return this.frontier === 0 ? undefined : (BigInt(this.offsets[this.frontier - 1]) + 1n).toString();
  }

  get complete(): boolean {
    return this.frontier === this.acked.length;
  }
}
