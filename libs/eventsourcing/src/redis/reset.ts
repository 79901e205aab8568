import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import type { Projection } from '../domain/projection';
import { globEscape, projectionKeys } from './keys';

const LOCK_TTL_MS = 30_000;
const SCAN_COUNT = 1_000;

const RELEASE_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** busy: another runner holds the lock, or (onlyIfNoEpoch) already reset the model: adopt its epoch. */
export type ResetOutcome = { kind: 'reset'; epoch: string; cleared: number } | { kind: 'busy' };

/**
 * Empties a projection's read model so it can be rebuilt from offset zero, and starts a new
 * epoch: what a runner does when Redis lost the model (no epoch) or a checkpoint; an asked-for
 * rebuild keeps the model instead (generation-build.ts). Order matters:
 *   1. take the rebuild lock (one clearer at a time; others wait for the new epoch and adopt it),
 *   2. delete the epoch, so every runner's script refuses to write while keys are being cleared,
 *   3. SCAN + UNLINK every key under keyPrefix (never KEYS: it blocks Redis), then the checkpoints,
 *   4. set the new epoch, with the rebuilding marker (the log's end offsets to refold up to) and the
 *      projection's version: runners
 *      that see it resume from the (now empty) checkpoints, and readers know the model is partial
 *      until finishRebuild finds every checkpoint at those offsets and deletes the marker.
 * A reset that dies half-way leaves no epoch, which every runner reads as "rebuild": it is redone.
 * With onlyIfNoEpoch (a runner that found the epoch gone), several runners noticing the same flush
 * reset once: whoever gets the lock after another's reset finds an epoch and resets nothing.
 */
export async function resetReadModel(
  redis: Redis,
  projection: Pick<Projection, 'name' | 'keyPrefix' | 'version'>,
  options: { onlyIfNoEpoch?: boolean; endOffsets?: Record<string, number> } = {},
): Promise<ResetOutcome> {
  const keys = projectionKeys(projection.name);
  const token = randomUUID();
  if ((await redis.set(keys.rebuildLock, token, 'PX', LOCK_TTL_MS, 'NX')) !== 'OK') return { kind: 'busy' };
  try {
    if (options.onlyIfNoEpoch && (await redis.exists(keys.epoch)) > 0) return { kind: 'busy' };
    await redis.del(keys.epoch);
    let cleared = 0;
    let cursor = '0';
    const match = `${globEscape(projection.keyPrefix)}*`;
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', match, 'COUNT', SCAN_COUNT);
      cursor = next;
      if (found.length > 0) cleared += await redis.unlink(...found);
      // A large model takes a while to clear: keep the lock while we are still at it.
      await redis.pexpire(keys.rebuildLock, LOCK_TTL_MS);
    } while (cursor !== '0');
    await redis.del(keys.checkpoint);
    const epoch = `${Date.now().toString(36)}-${token}`;
    // The new epoch and the log's end to refold up to, at once: no reader sees an epoch without it.
    const ends = Object.fromEntries(Object.entries(options.endOffsets ?? {}).filter(([, end]) => end > 0));
    const tx = redis.multi();
    if (Object.keys(ends).length > 0) tx.set(keys.rebuilding, JSON.stringify(ends));
    else tx.del(keys.rebuilding);
    // The code that refolds it from here on is this version: with the epoch, so no runner sees one
    // without the other.
    if (projection.version === undefined) tx.del(keys.version);
    else tx.set(keys.version, projection.version);
    tx.set(keys.epoch, epoch);
    await tx.exec();
    return { kind: 'reset', epoch, cleared };
  } finally {
    await redis.eval(RELEASE_LUA, 1, keys.rebuildLock, token).catch(() => undefined);
  }
}

/** The current epoch, once no reset is in progress; undefined while there is none. */
export async function settledEpoch(redis: Redis, projectionName: string): Promise<string | undefined> {
  const keys = projectionKeys(projectionName);
  // Lock first: a reset sets the epoch before it releases the lock, so no lock then an epoch is settled.
  if ((await redis.exists(keys.rebuildLock)) > 0) return undefined;
  return (await redis.get(keys.epoch)) ?? undefined;
}

const FINISH_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * Deletes the rebuilding marker once every checkpoint has reached the end offsets it names (the
 * checkpoint is the last offset applied, so `checkpoint + 1 >= end`). Any runner of the projection
 * may call it: it reads the shared checkpoints, not its own assignment. True when the model is
 * complete (no marker left).
 */
export async function finishRebuild(redis: Redis, projectionName: string): Promise<boolean> {
  const keys = projectionKeys(projectionName);
  const marker = await redis.get(keys.rebuilding);
  if (marker === null) return true;
  let ends: Record<string, number>;
  try {
    ends = JSON.parse(marker) as Record<string, number>;
  } catch {
    ends = {};
  }
  const fields = Object.keys(ends);
  const checkpoints = fields.length ? await redis.hmget(keys.checkpoint, ...fields) : [];
  const behind = fields.some((field, i) => Number(checkpoints[i] ?? -1) + 1 < Number(ends[field]));
  if (behind) return false;
  await redis.eval(FINISH_LUA, 1, keys.rebuilding, marker);
  return true;
}

/**
 * True while a projection's read model is incomplete: Redis lost it (no epoch; its runner will
 * notice and rebuild), or it is being cleared or refolded from Kafka. A reader that misses a key
 * then cannot tell "does not exist" from "not refolded yet", and should answer "retry".
 */
export async function readModelRebuilding(redis: Redis, projectionName: string): Promise<boolean> {
  const keys = projectionKeys(projectionName);
  const [epoch, marker] = await redis.mget(keys.epoch, keys.rebuilding);
  return epoch === null || marker !== null;
}
