import type Redis from 'ioredis';
import type { Projection } from '../domain/projection';
import { generationKeys, generationsPrefix, globEscape, projectionKeys } from './keys';

const SCAN_COUNT = 1_000;

/**
 * The switch from the model readers read to a new generation built beside it (generation-build.ts),
 * in one script: Redis runs no other command meanwhile, so a reader sees the old model or the
 * new one, whole, never a mix. It refuses, changing nothing:
 *   abandoned  the `building` key no longer names this generation (a flush, or a newer build)
 *   no-epoch   the model has no epoch, or a reset holds its lock: that reset owns the model now
 *   behind     some partition's checkpoint in the generation is below the model's (readers would
 *              go back in time): the builder tries again once it has folded further
 * Otherwise it
 *   1. UNLINKs every key under the model's keyPrefix (a SCAN loop; UNLINK frees values in
 *      Redis' background thread, so a big list or hash costs the script no more than a small one),
 *   2. RENAMEs every key of the generation to the key it stands for (its name after modelPrefix),
 *   3. makes the generation's checkpoints the model's, sets the new epoch and the version of the
 *      projection that folded the generation (every runner adopts it
 *      and seeks to the new checkpoints), deletes the `building` key and the request (if it is
 *      still the one the build served). A rebuilding marker (a flush's refold still under way) is
 *      left to finishRebuild, which compares it with the checkpoints, now the generation's,
 *   4. announces every checkpoint on the `applied` channel (read-your-writes waiters look again).
 * Its cost is one pass over the keyspace and one RENAME per key, while Redis waits: measured in
 * generation.int-spec.ts (docs/operations.md).
 *
 * KEYS = model checkpoint, epoch, building, generation checkpoint, request, reset lock, version
 * ARGV = generation, new epoch, keyPrefix glob, modelPrefix, modelPrefix glob, applied channel,
 *        the request's value when the build began ('' for none), the version of the projection
 *        that folded the generation ('' for none: the version key is deleted)
 */
export const SWITCH_LUA = `
if redis.call('GET', KEYS[3]) ~= ARGV[1] then return {'abandoned', 0, 0} end
if not redis.call('GET', KEYS[2]) or redis.call('EXISTS', KEYS[6]) == 1 then return {'no-epoch', 0, 0} end
local live = redis.call('HGETALL', KEYS[1])
for i = 1, #live, 2 do
  local c = tonumber(redis.call('HGET', KEYS[4], live[i]) or '-1')
  if c < tonumber(live[i + 1]) then return {'behind', 0, 0} end
end
local removed, cursor = 0, '0'
repeat
  local r = redis.call('SCAN', cursor, 'MATCH', ARGV[3], 'COUNT', 1000)
  cursor = r[1]
  for _, k in ipairs(r[2]) do removed = removed + redis.call('UNLINK', k) end
until cursor == '0'
local found = {}
cursor = '0'
repeat
  local r = redis.call('SCAN', cursor, 'MATCH', ARGV[5], 'COUNT', 1000)
  cursor = r[1]
  for _, k in ipairs(r[2]) do found[#found + 1] = k end
until cursor == '0'
local moved, skip = 0, #ARGV[4]
for _, k in ipairs(found) do
  if redis.call('EXISTS', k) == 1 then
    redis.call('RENAME', k, string.sub(k, skip + 1))
    moved = moved + 1
  end
end
redis.call('DEL', KEYS[1])
if redis.call('EXISTS', KEYS[4]) == 1 then redis.call('RENAME', KEYS[4], KEYS[1]) end
redis.call('SET', KEYS[2], ARGV[2])
if ARGV[8] == '' then redis.call('DEL', KEYS[7]) else redis.call('SET', KEYS[7], ARGV[8]) end
redis.call('DEL', KEYS[3])
if ARGV[7] ~= '' and redis.call('GET', KEYS[5]) == ARGV[7] then redis.call('DEL', KEYS[5]) end
local now = redis.call('HGETALL', KEYS[1])
for i = 1, #now, 2 do redis.call('PUBLISH', ARGV[6], now[i] .. ' ' .. now[i + 1]) end
return {'switched', removed, moved}
`;

export type SwitchOutcome =
  { kind: 'switched'; removed: number; moved: number } | { kind: 'abandoned' | 'no-epoch' | 'behind' };

export interface SwitchRequest {
  projection: Pick<Projection, 'name' | 'keyPrefix' | 'version'>;
  generation: string;
  /** The epoch the model gets: every runner sees it change and adopts it. */
  epoch: string;
  /** The rebuild request this build serves (deleted by the switch only if unchanged). */
  request: string | null;
}

/** Switches the model to the generation atomically, if it is complete (see SWITCH_LUA). */
export async function switchGeneration(redis: Redis, request: SwitchRequest): Promise<SwitchOutcome> {
  const { name, keyPrefix, version } = request.projection;
  const own = projectionKeys(name);
  const next = generationKeys(name, request.generation);
  const reply = await redis.eval(
    SWITCH_LUA,
    7,
    own.checkpoint,
    own.epoch,
    own.building,
    next.checkpoint,
    own.rebuildRequest,
    own.rebuildLock,
    own.version,
    request.generation,
    request.epoch,
    `${globEscape(keyPrefix)}*`,
    next.modelPrefix,
    `${globEscape(next.modelPrefix)}*`,
    own.applied,
    request.request ?? '',
    version ?? '',
  );
  if (!Array.isArray(reply) || typeof reply[0] !== 'string')
    throw new Error(`generation switch answered ${JSON.stringify(reply)}`);
  const [kind, removed, moved] = reply as [string, number, number];
  if (kind === 'switched') return { kind, removed, moved };
  if (kind === 'abandoned' || kind === 'no-epoch' || kind === 'behind') return { kind };
  throw new Error(`generation switch answered an unknown status ${kind}`);
}

/** SCAN + UNLINK of every key under a prefix (never KEYS: it blocks Redis); the count unlinked. */
export async function unlinkPrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let unlinked = 0;
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${globEscape(prefix)}*`, 'COUNT', SCAN_COUNT);
    cursor = next;
    if (found.length > 0) unlinked += await redis.unlink(...found);
  } while (cursor !== '0');
  return unlinked;
}

/** Deletes what builds that never switched left behind (a crash, a flush meanwhile): call holding the build lock. */
export function dropUnfinishedGenerations(redis: Redis, projectionName: string): Promise<number> {
  return unlinkPrefix(redis, generationsPrefix(projectionName));
}

const REFRESH_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** Deletes a key if it still holds `value` (best effort: Redis being down leaves it). */
export async function deleteIfEquals(redis: Redis, key: string, value: string): Promise<void> {
  await redis.eval(RELEASE_LUA, 1, key, value).catch(() => undefined);
}

/** A lock held by one token that expires unless refreshed (so a crashed holder frees it). */
export class TokenLock {
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    readonly token: string,
    private readonly ttlMs: number,
  ) {}

  async take(): Promise<boolean> {
    return (await this.redis.set(this.key, this.token, 'PX', this.ttlMs, 'NX')) === 'OK';
  }

  /** False when the lock is no longer ours (it expired, or Redis was flushed). */
  async refresh(): Promise<boolean> {
    return Number(await this.redis.eval(REFRESH_LUA, 1, this.key, this.token, String(this.ttlMs))) === 1;
  }

  release(): Promise<void> {
    return deleteIfEquals(this.redis, this.key, this.token);
  }
}
