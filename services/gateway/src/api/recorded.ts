import {
  CommandOutcome,
  ProjectionTimeoutError,
  readCheckpoint,
  RedisNotices,
  waitForPosition,
} from '@gpux/eventsourcing';
import type Redis from 'ioredis';
import { COMMAND_TIMEOUT_MS } from './commands';
import { apiError } from './errors';
import { REBUILD_RETRY_MS } from './rebuilding';

/** What a recorded command made, in the words of the UNAVAILABLE answered when it cannot be read in time. */
export interface Recorded {
  /** What the log records, e.g. `node n1's credential was revoked`. */
  what: string;
  /** How to read it once the model shows it again, e.g. `gpuNode(id: "n1")`. */
  readWith: string;
  /** The UNAVAILABLE's extensions besides its code and retryAfterMs (the idempotencyKey to retry with, ids). */
  extensions?: Record<string, unknown>;
}

/** Where a command's answer is read from: the Redis of the read models, and the projections' notices. */
export interface RecordedSource {
  redis: Redis;
  notices: RedisNotices;
}

/** How long after its start a command may still wait for a refolded read model: the command timeout, and at least a second. */
export function recordedDeadline(started: number, now = Date.now()): number {
  return Math.max(started + COMMAND_TIMEOUT_MS, now + 1_000);
}

/**
 * What a command that IS recorded made, as `readModel` shows it (`read`). Once a command's outcome
 * is visible, Redis may still be flushed before its answer is read: the read model is then empty
 * (or half refolded from Kafka), and read at once it answered a null into a non-null field, or an
 * older state of what the command changed. So the answer is read together with the model's
 * checkpoint on the outcome's partition, and when that is behind the outcome (or gone), it waits
 * until `deadline` for the refold to pass the outcome again (on the projections' notices, no
 * polling) and reads once more. Not back in time: UNAVAILABLE, saying what was recorded and how
 * to read it (retry after retryAfterMs), never an internal error or a null.
 */
export async function readRecorded<T>(
  source: RecordedSource,
  readModel: string,
  outcome: Pick<CommandOutcome, 'position'>,
  read: () => Promise<T | null | undefined>,
  recorded: Recorded,
  deadline: number,
): Promise<T> {
  const { topic, partition, offset } = outcome.position;
  const [found, checkpoint] = await Promise.all([
    read(),
    readCheckpoint(source.redis, readModel, topic, partition),
  ]);
  if (found != null && checkpoint !== undefined && checkpoint >= Number(offset)) return found;
  const left = deadline - Date.now();
  let refolded = false;
  if (left > 0) {
    try {
      await waitForPosition(source.redis, readModel, outcome.position, left, source.notices);
      refolded = true;
    } catch (error) {
      if (!(error instanceof ProjectionTimeoutError)) throw error;
    }
  }
  if (refolded) {
    const again = await read();
    if (again != null) return again;
  }
  const key = recorded.extensions?.['idempotencyKey'];
  const retry = typeof key === 'string' ? `, or send the same request again with idempotencyKey ${key}` : '';
  throw apiError(
    'UNAVAILABLE',
    `${recorded.what} (recorded in Kafka), but the read model that shows it is being refolded from Kafka (Redis was flushed) and does not show it yet: read it with ${recorded.readWith} in a second${retry}`,
    undefined,
    { ...recorded.extensions, retryAfterMs: REBUILD_RETRY_MS },
  );
}
