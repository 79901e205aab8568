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
 * epoch. Order matters:
 *   1. take the rebuild lock (one clearer at a time; others wait for the new epoch and adopt it),
 *   2. delete the epoch, so every runner's script refuses to write while keys are being cleared,
 *   3. SCAN + UNLINK every key under keyPrefix (never KEYS: it blocks Redis), then the checkpoints,
 *   4. set the new epoch: runners that see it resume from the (now empty) checkpoints.
 * A reset that dies half-way leaves no epoch, which every runner reads as "rebuild": it is redone.
 * With onlyIfNoEpoch (a runner that found the epoch gone), several runners noticing the same flush
 * reset once: whoever gets the lock after another's reset finds an epoch and resets nothing.
 */
export async function resetReadModel(
  redis: Redis,
  projection: Pick<Projection, 'name' | 'keyPrefix'>,
  options: { onlyIfNoEpoch?: boolean } = {},
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
    await redis.set(keys.epoch, epoch);
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
