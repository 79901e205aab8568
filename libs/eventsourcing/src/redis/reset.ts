import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import type { Projection } from '../domain/projection';
import { globEscape, projectionKeys } from './keys';
import { redisScript } from './script';

const LOCK_TTL_MS = 30_000;
const SCAN_COUNT = 1_000;

const RELEASE_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/*
 * Every step after the lock is taken runs only while the lock still holds this reset's token: a
 * FLUSHALL (or a stall past the lock's TTL) can take it away, and another runner's reset then
 * takes it. A reset that went on regardless would delete what the other one refolds, or set its
 * epoch over the other's clearing (keys the other's SCAN missed refolded twice). So it stops and
 * answers busy, and adopts the epoch the other sets.
 */

/** KEYS = lock, epoch; ARGV = token, '1' when only a model with no epoch is reset. */
const BEGIN_LUA = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 'lost' end
if ARGV[2] == '1' and redis.call('EXISTS', KEYS[2]) == 1 then return 'has-epoch' end
redis.call('DEL', KEYS[2])
return 'ok'
`;

/**
 * One SCAN step and the UNLINK of what it found, in one script so that nothing is deleted once
 * the lock is lost (a SCAN of COUNT 1000 and its UNLINKs keep Redis only briefly).
 * KEYS = lock; ARGV = token, cursor, MATCH glob, COUNT, lock TTL (ms). Answers [cursor, unlinked],
 * or [-1, 0] when the lock is lost.
 */
const CLEAR_LUA = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {-1, 0} end
local r = redis.call('SCAN', ARGV[2], 'MATCH', ARGV[3], 'COUNT', ARGV[4])
local unlinked = 0
-- unpack() is bounded by Lua's C stack: what a SCAN found goes in slices.
for i = 1, #r[2], 500 do unlinked = unlinked + redis.call('UNLINK', unpack(r[2], i, math.min(i + 499, #r[2]))) end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return {r[1], unlinked}
`;

/**
 * The end of a reset, at once: the checkpoints go, and the new epoch comes with the rebuilding
 * marker (no reader sees an epoch without it) and the version that refolds it (no runner sees one
 * without the other).
 * KEYS = lock, epoch, checkpoint, rebuilding, version; ARGV = token, epoch, marker ('' for none),
 * version ('' for none).
 */
const FINAL_LUA = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[3])
if ARGV[3] == '' then redis.call('DEL', KEYS[4]) else redis.call('SET', KEYS[4], ARGV[3]) end
if ARGV[4] == '' then redis.call('DEL', KEYS[5]) else redis.call('SET', KEYS[5], ARGV[4]) end
redis.call('SET', KEYS[2], ARGV[2])
return 1
`;

const beginReset = redisScript(BEGIN_LUA);
const clearStep = redisScript(CLEAR_LUA);
const finishReset = redisScript(FINAL_LUA);

/**
 * What the rebuilding marker holds: the epoch of the reset that wrote it (so that a later reset's
 * marker, with the same ends, is never taken for this one's) and, per `<topic>:<partition>`, the
 * log's end offset at the reset (events below it are refolded history: see APPLY_LUA).
 */
interface RebuildingMarker {
  epoch: string;
  ends: Record<string, number>;
}

/** A marker's ends ({} when it cannot be read). */
function markerEnds(raw: string): Record<string, number> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null) return {};
  const { ends } = parsed as { ends?: unknown };
  // A marker written before it held its epoch was the ends alone.
  return (typeof ends === 'object' && ends !== null ? ends : parsed) as Record<string, number>;
}

/**
 * busy: another runner holds the lock or took it from this reset, or (onlyIfNoEpoch) already reset
 * the model: adopt its epoch.
 */
export type ResetOutcome = { kind: 'reset'; epoch: string; cleared: number } | { kind: 'busy' };

/**
 * Empties a projection's read model so it can be rebuilt from offset zero, and starts a new
 * epoch: what a runner does when Redis lost the model (no epoch) or a checkpoint; an asked-for
 * rebuild keeps the model instead (generation-build.ts). Order matters:
 *   1. take the rebuild lock (one clearer at a time; others wait for the new epoch and adopt it),
 *   2. delete the epoch, so every runner's script refuses to write while keys are being cleared,
 *   3. SCAN + UNLINK every key under keyPrefix (never KEYS: it blocks Redis),
 *   4. delete the checkpoints and set the new epoch, with the rebuilding marker (the log's end
 *      offsets to refold up to) and the projection's version, in one script: runners
 *      that see it resume from the (now empty) checkpoints, and readers know the model is partial
 *      until finishRebuild finds every checkpoint at those offsets and deletes the marker.
 * Steps 2 to 4 each run only while the lock is still this reset's (see BEGIN_LUA): one that lost
 * it answers busy. A reset that dies half-way leaves no epoch, which every runner reads as
 * "rebuild": it is redone.
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
    const begun = await beginReset(
      redis,
      [keys.rebuildLock, keys.epoch],
      [token, options.onlyIfNoEpoch ? '1' : ''],
    );
    if (begun !== 'ok') return { kind: 'busy' };
    let cleared = 0;
    let cursor = '0';
    const match = `${globEscape(projection.keyPrefix)}*`;
    do {
      // Each step keeps the lock (a large model takes a while to clear), if it is still ours.
      const [next, unlinked] = (await clearStep(
        redis,
        [keys.rebuildLock],
        [token, cursor, match, String(SCAN_COUNT), String(LOCK_TTL_MS)],
      )) as [string | number, number];
      if (next === -1) return { kind: 'busy' };
      cursor = String(next);
      cleared += unlinked;
    } while (cursor !== '0');
    const epoch = `${Date.now().toString(36)}-${token}`;
    const ends = Object.fromEntries(Object.entries(options.endOffsets ?? {}).filter(([, end]) => end > 0));
    const marker: RebuildingMarker = { epoch, ends };
    const done = await finishReset(
      redis,
      [keys.rebuildLock, keys.epoch, keys.checkpoint, keys.rebuilding, keys.version],
      [token, epoch, Object.keys(ends).length > 0 ? JSON.stringify(marker) : '', projection.version ?? ''],
    );
    if (done !== 1) return { kind: 'busy' };
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

/**
 * Deletes the marker only if it is still the one whose ends were compared: each marker holds the
 * epoch of its reset, so a flush and a new reset in between (the same ends, a new refold from
 * zero) leave a marker this never deletes. 1 when no marker is left.
 */
const FINISH_LUA = `
local marker = redis.call('GET', KEYS[1])
if not marker then return 1 end
if marker ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
`;

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
  const ends = markerEnds(marker);
  const fields = Object.keys(ends);
  const checkpoints = fields.length ? await redis.hmget(keys.checkpoint, ...fields) : [];
  const behind = fields.some((field, i) => Number(checkpoints[i] ?? -1) + 1 < Number(ends[field]));
  if (behind) return false;
  return (await redis.eval(FINISH_LUA, 1, keys.rebuilding, marker)) === 1;
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
