import type Redis from 'ioredis';
import type { Admin } from 'kafkajs';
import type { Projection } from '../domain/projection';
import { checkpointField } from './keys';
import { readCheckpoints } from './position';

export interface PartitionLag {
  topic: string;
  partition: number;
  /** Last offset applied; null before the projection applied anything there. */
  checkpoint: number | null;
  /** The read_committed end of the partition (its last stable offset): the next offset to be written. */
  end: number;
  /**
   * Log records between the checkpoint and the end: end - (checkpoint + 1). Records, not events:
   * transaction commit markers and aborted records take offsets too. The runner checkpoints the
   * last offset of each fetched batch, markers included, so a caught-up projection reads 0; it
   * can read 1 for a while when a commit marker arrived alone in a fetch of its own (kafkajs skips
   * such a batch without handing it to the runner), until the next event moves the checkpoint.
   */
  lag: number;
}

/**
 * How far a projection is behind the log, per topic-partition. Reads only Kafka's end offsets
 * (ListOffsets, read_committed: what a read_committed consumer can reach) and Redis' checkpoints,
 * so any process can ask, not only the one running the projection.
 */
export async function projectionLag(
  admin: Admin,
  redis: Redis,
  projection: Pick<Projection, 'name' | 'topics'>,
): Promise<PartitionLag[]> {
  const [checkpoints, ...ends] = await Promise.all([
    readCheckpoints(redis, projection.name),
    ...projection.topics.map((topic) => admin.fetchTopicOffsets(topic)),
  ]);
  const out: PartitionLag[] = [];
  projection.topics.forEach((topic, i) => {
    for (const { partition, offset } of ends[i] ?? []) {
      const end = Number(offset);
      const checkpoint = checkpoints.get(checkpointField(topic, partition)) ?? null;
      out.push({ topic, partition, checkpoint, end, lag: Math.max(0, end - ((checkpoint ?? -1) + 1)) });
    }
  });
  return out.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

const END_OFFSETS_TIMEOUT_MS = 60_000;

/**
 * The end of every partition of `topics` now (`<topic>:<partition>` → the next offset to be
 * written): where a rebuild is complete. Topics created a moment ago may have no leader yet:
 * asked again until a minute has passed, with `onRetry` told of each failure.
 */
export async function logEndOffsets(
  admin: () => Promise<Admin>,
  topics: readonly string[],
  onRetry: (attempt: number, error: unknown) => void,
): Promise<Record<string, number>> {
  const deadline = Date.now() + END_OFFSETS_TIMEOUT_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      const ends: Record<string, number> = {};
      for (const topic of topics) {
        for (const { partition, high } of await (await admin()).fetchTopicOffsets(topic))
          ends[checkpointField(topic, partition)] = Number(high);
      }
      return ends;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      onRetry(attempt, error);
      await new Promise((resolve) => setTimeout(resolve, Math.min(100 * attempt, 1_000)));
    }
  }
}
