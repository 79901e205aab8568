import type Redis from 'ioredis';
import type { LogPosition } from '../domain/projection';
import { checkpointField, parseCheckpointField, projectionKeys } from './keys';
import type { RedisNotices } from './notices';

/** A read model did not reach a log position in time: the caller answers without read-your-writes. */
export class ProjectionTimeoutError extends Error {
  constructor(
    readonly projection: string,
    readonly position: LogPosition,
    readonly timeoutMs: number,
    readonly checkpoint: number | undefined,
  ) {
    super(
      `projection ${projection} did not reach ${position.topic}:${position.partition}@${position.offset} within ${timeoutMs} ms ` +
        `(its checkpoint there is ${checkpoint === undefined ? 'none' : checkpoint})`,
    );
    this.name = 'ProjectionTimeoutError';
  }
}

/** The last offset the projection applied in one partition; undefined before its first batch. */
export async function readCheckpoint(
  redis: Redis,
  projectionName: string,
  topic: string,
  partition: number,
): Promise<number | undefined> {
  const raw = await redis.hget(projectionKeys(projectionName).checkpoint, checkpointField(topic, partition));
  return raw === null ? undefined : Number(raw);
}

/** Every checkpoint of a projection, by `<topic>:<partition>`. */
export async function readCheckpoints(redis: Redis, projectionName: string): Promise<Map<string, number>> {
  const all = await redis.hgetall(projectionKeys(projectionName).checkpoint);
  const out = new Map<string, number>();
  for (const [field, value] of Object.entries(all)) {
    if (parseCheckpointField(field)) out.set(field, Number(value));
  }
  return out;
}

/**
 * Read-your-writes: resolves once the projection has applied the log up to `position` (its
 * checkpoint for that partition is at or past the offset), or rejects with ProjectionTimeoutError.
 * It only reads Redis, so any process can wait, not just the one running the projection.
 *
 * It waits on the runner's `applied` channel (every applied batch announces its partition and
 * checkpoint): one HGET once subscribed, one after the notice that reaches the offset, one at
 * the deadline; no polling.
 */
export async function waitForPosition(
  redis: Redis,
  projectionName: string,
  position: LogPosition,
  timeoutMs: number,
  notices: RedisNotices,
): Promise<void> {
  const target = Number(position.offset);
  if (!Number.isSafeInteger(target) || target < 0)
    throw new RangeError(`not a log offset: ${position.offset}`);
  let checkpoint: number | undefined;
  const reached = async () => {
    checkpoint = await readCheckpoint(redis, projectionName, position.topic, position.partition);
    return checkpoint !== undefined && checkpoint >= target ? true : undefined;
  };
  const field = checkpointField(position.topic, position.partition);
  // The runner announces `<topic>:<partition> <checkpoint>` after each applied batch.
  const concerns = (message: string) => {
    const space = message.lastIndexOf(' ');
    return message.slice(0, space) === field && Number(message.slice(space + 1)) >= target;
  };
  const done = await notices.waitFor(projectionKeys(projectionName).applied, reached, timeoutMs, concerns);
  if (!done) throw new ProjectionTimeoutError(projectionName, position, timeoutMs, checkpoint);
}
